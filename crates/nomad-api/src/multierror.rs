//! go-multierror's text: Nomad returns most validation failures as a `*multierror.Error`,
//! whose `Error()` (the default `ListFormatFunc`, hashicorp/go-multierror `format.go`) is what
//! the HTTP layer writes as the body. An error nested in another (a task's inside its
//! group's) is formatted the same way, inside the outer list's point.

/// `ListFormatFunc`: `1 error occurred:\n\t* a\n\n`, `2 errors occurred:\n\t* a\n\t* b\n\n`.
pub fn format(errors: &[String]) -> String {
    if let [one] = errors {
        return format!("1 error occurred:\n\t* {one}\n\n");
    }
    let points: Vec<String> = errors.iter().map(|e| format!("* {e}")).collect();
    format!("{} errors occurred:\n\t{}\n\n", errors.len(), points.join("\n\t"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_as_list_format_func() {
        assert_eq!(format(&["a".into()]), "1 error occurred:\n\t* a\n\n");
        assert_eq!(format(&["a".into(), "b".into()]), "2 errors occurred:\n\t* a\n\t* b\n\n");
        let inner = format(&["c".into()]);
        assert_eq!(format(&[format!("x: {inner}")]), "1 error occurred:\n\t* x: 1 error occurred:\n\t* c\n\n\n\n");
    }
}
