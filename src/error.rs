//! Error types of the library.

use thiserror::Error;

/// A pattern pack could not be loaded or compiled.
#[non_exhaustive]
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum PackError {
    /// The file could not be read.
    #[error("{file}: {message}")]
    Io {
        /// The file or directory.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// The YAML is malformed or has unknown/missing fields.
    #[error("{file}: invalid pattern pack: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// The parser's message (with line/column).
        message: String,
    },
    /// A rule is invalid (bad regex, no keywords derivable, missing examples, duplicate id…).
    #[error("{file}: rule {rule}: {message}")]
    Rule {
        /// The file.
        file: String,
        /// The rule id.
        rule: String,
        /// What is wrong.
        message: String,
    },
}

/// An input could not be (fully) read or understood. Other inputs are still analysed.
#[derive(Debug, Clone, Error, PartialEq, Eq, serde::Serialize)]
#[error("{file}: {message}")]
pub struct InputError {
    /// The file (or `archive!member`).
    pub file: String,
    /// What went wrong, in words a user can act on.
    pub message: String,
}

impl InputError {
    /// A new input error.
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError {
            file: file.into(),
            message: message.into(),
        }
    }
}
