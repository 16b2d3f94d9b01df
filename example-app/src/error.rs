//! What can go wrong, as one line each, with the exit code it gets (a
//! failed load adds libbpf's log of it, indented, below the line).

/// An error the user sees as one line on stderr.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(
        "`{name}` is already registered as a TCP congestion control \
         (/proc/sys/net/ipv4/tcp_available_congestion_control); choose another --name"
    )]
    NameTaken { name: String },

    #[error("missing privilege: {0}")]
    Privilege(String),

    #[error("{0}")]
    Unsupported(String),

    #[error("interrupted; `{name}` was unregistered")]
    Interrupted { name: String },

    #[error("cannot {action}: {cause}")]
    Failed { action: String, cause: String },
}

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
