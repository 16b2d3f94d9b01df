//! What can go wrong, as one line each, with the exit code it gets (a
//! failed load adds libbpf's log of it, indented, below the line).

/// An error the user sees as one line on stderr.
#[derive(Debug)]
pub enum AppError {
    NameTaken { name: String },

    Privilege(String),

    Unsupported(String),

    Interrupted { name: String },

    Failed { action: String, cause: String },
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::NameTaken { name } => write!(
                f,
                "`{name}` is already registered as a TCP congestion control \
                 (/proc/sys/net/ipv4/tcp_available_congestion_control); choose another --name"
            ),
            AppError::Privilege(message) => write!(f, "missing privilege: {message}"),
            AppError::Unsupported(message) => write!(f, "{message}"),
            AppError::Interrupted { name } => write!(f, "interrupted; `{name}` was unregistered"),
            AppError::Failed { action, cause } => write!(f, "cannot {action}: {cause}"),
        }
    }
}

impl std::error::Error for AppError {}

impl AppError {
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Failed { .. } => 1,
            AppError::NameTaken { .. } => 3,
            AppError::Privilege(_) => 4,
            AppError::Unsupported(_) => 5,
            AppError::Interrupted { .. } => 130,
        }
    }

    /// A step that failed, with its cause chain folded into the line.
    pub fn failed(action: impl Into<String>, error: &dyn std::error::Error) -> AppError {
        AppError::Failed {
            action: action.into(),
            cause: chain(error),
        }
    }
}

/// `error: cause: cause`: one line, unless an error's own message has
/// several (libbpf's log of a failed load); those follow, indented.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let text = c.to_string();
        // libbpf-rs repeats its source's text in its own message.
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = c.source();
    }
    line.replace('\n', "\n  ")
}
