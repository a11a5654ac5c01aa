//! The merged view of several tasks: each line prefixed with its task, in the task's colour.

use crate::style::Color;

/// Bright, distinct colours for up to eight tasks (xterm palette), then they repeat.
const TASK_COLORS: [u8; 8] = [39, 208, 170, 41, 220, 75, 203, 141];

/// The colour of the `source`-th task.
pub fn task_color(source: u16) -> Color {
    Color::Indexed(TASK_COLORS[source as usize % TASK_COLORS.len()])
}

/// The prefixes of the tasks, padded to one width so the output lines up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefixes {
    labels: Vec<String>,
}

impl Prefixes {
    pub fn new<S: AsRef<str>>(tasks: &[S]) -> Self {
        let width = tasks.iter().map(|t| t.as_ref().chars().count()).max().unwrap_or(0);
        let labels = tasks.iter().map(|t| format!("{:<width$} │ ", t.as_ref())).collect();
        Prefixes { labels }
    }

    pub fn label(&self, source: u16) -> &str {
        self.labels.get(source as usize).map_or("", String::as_str)
    }

    /// `text` with the prefix of `source` before each line.
    pub fn apply(&self, source: u16, text: &str) -> String {
        format!("{}{text}", self.label(source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_padded_and_colours_distinct() {
        let p = Prefixes::new(&["api", "log-shipper"]);
        assert_eq!(p.label(0), "api         │ ");
        assert_eq!(p.apply(1, "x"), "log-shipper │ x");
        assert_eq!(p.label(7), "");
        assert_ne!(task_color(0), task_color(1));
        assert_eq!(task_color(8), task_color(0));
    }
}
