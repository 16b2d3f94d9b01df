//! Token helpers shared by codegen: identifiers, literals, doc attributes.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

use crate::model::ident;

/// An identifier token for a model name; keywords become `r#kw`.
pub fn ident(name: &str) -> Ident {
    if ident::needs_raw(name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    }
}

/// An unsuffixed integer literal.
pub fn lit(n: u64) -> Literal {
    Literal::u64_unsuffixed(n)
}

pub fn lit_usize(n: usize) -> Literal {
    Literal::usize_unsuffixed(n)
}

/// `#[doc = "..."]` lines. Text is one markdown paragraph per entry; C
/// names go in backticks, with backticks inside them removed.
pub fn doc(lines: &[String]) -> TokenStream {
    let mut out = TokenStream::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.extend(quote!(#[doc = ""]));
        }
        let text = format!(" {}", line.replace(['\r', '\n'], " "));
        out.extend(quote!(#[doc = #text]));
    }
    out
}

/// Inline code for docs: `` `text` ``, with backticks dropped from `text`.
pub fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'"))
}
