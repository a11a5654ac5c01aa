//! Text styles set by ANSI SGR sequences, and how the viewer draws them.

/// A colour as a terminal knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Color {
    /// The 256-colour palette: 0-7 standard, 8-15 bright, 16-231 a 6x6x6 cube, 232-255 greys.
    Indexed(u8),
    Rgb(u8, u8, u8),
}

impl Color {
    /// The 16 basic colours follow the page's theme (a class); the others are exact.
    pub fn class(self) -> Option<u8> {
        match self {
            Color::Indexed(i) if i < 16 => Some(i),
            _ => None,
        }
    }

    /// xterm's value of a palette entry (and the 16 basic ones, for when a theme is absent).
    pub fn rgb(self) -> (u8, u8, u8) {
        const BASIC: [(u8, u8, u8); 16] = [
            (0, 0, 0),
            (205, 0, 0),
            (0, 205, 0),
            (205, 205, 0),
            (0, 0, 238),
            (205, 0, 205),
            (0, 205, 205),
            (229, 229, 229),
            (127, 127, 127),
            (255, 0, 0),
            (0, 255, 0),
            (255, 255, 0),
            (92, 92, 255),
            (255, 0, 255),
            (0, 255, 255),
            (255, 255, 255),
        ];
        match self {
            Color::Rgb(r, g, b) => (r, g, b),
            Color::Indexed(i @ 0..=15) => BASIC[i as usize],
            Color::Indexed(i @ 16..=231) => {
                let level = |n: u8| if n == 0 { 0 } else { 55 + n * 40 };
                let i = i - 16;
                (level(i / 36), level(i / 6 % 6), level(i % 6))
            }
            Color::Indexed(i) => {
                let v = 8 + (i - 232) * 10;
                (v, v, v)
            }
        }
    }

    /// `#rrggbb`.
    pub fn hex(self) -> String {
        let (r, g, b) = self.rgb();
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Style {
    pub fg: Option<Color>,
    pub bg: Option<Color>,
    pub bold: bool,
    pub dim: bool,
    pub italic: bool,
    pub underline: bool,
    pub inverse: bool,
    pub hidden: bool,
    pub strike: bool,
}

impl Style {
    pub fn is_plain(&self) -> bool {
        *self == Style::default()
    }

    /// CSS classes (`ansi-fg-1`, `ansi-bold`, ...) and an inline `style` for exact colours.
    /// Inverse swaps the colours here; a default colour swapped is `ansi-fg-inv` (the page's
    /// background) or `ansi-bg-inv` (the page's text colour).
    pub fn css(&self) -> (String, String) {
        let (fg, bg) = if self.inverse { (self.bg, self.fg) } else { (self.fg, self.bg) };
        let mut classes = Vec::new();
        let mut inline = Vec::new();
        for (color, kind) in [(fg, "fg"), (bg, "bg")] {
            match color {
                Some(c) => match c.class() {
                    Some(i) => classes.push(format!("ansi-{kind}-{i}")),
                    None => {
                        inline.push(format!("{}:{}", if kind == "fg" { "color" } else { "background-color" }, c.hex()))
                    }
                },
                None if self.inverse => classes.push(format!("ansi-{kind}-inv")),
                None => {}
            }
        }
        for (on, name) in [
            (self.bold, "ansi-bold"),
            (self.dim, "ansi-dim"),
            (self.italic, "ansi-italic"),
            (self.underline, "ansi-underline"),
            (self.hidden, "ansi-hidden"),
            (self.strike, "ansi-strike"),
        ] {
            if on {
                classes.push(name.to_string());
            }
        }
        (classes.join(" "), inline.join(";"))
    }
}

/// `text[start..end]` (byte offsets) is drawn in `style`. Text outside every span is plain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
    pub style: Style,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_values_are_xterms() {
        assert_eq!(Color::Indexed(1).rgb(), (205, 0, 0));
        assert_eq!(Color::Indexed(16).rgb(), (0, 0, 0));
        assert_eq!(Color::Indexed(196).hex(), "#ff0000");
        assert_eq!(Color::Indexed(231).hex(), "#ffffff");
        assert_eq!(Color::Indexed(232).hex(), "#080808");
        assert_eq!(Color::Indexed(255).hex(), "#eeeeee");
        assert_eq!(Color::Rgb(1, 2, 3).hex(), "#010203");
    }

    #[test]
    fn css_uses_classes_for_basic_colours_and_inline_for_exact_ones() {
        let s = Style { fg: Some(Color::Indexed(2)), bg: Some(Color::Rgb(0, 0, 255)), bold: true, ..Style::default() };
        assert_eq!(s.css(), ("ansi-fg-2 ansi-bold".to_string(), "background-color:#0000ff".to_string()));
        let inverse = Style { fg: Some(Color::Indexed(1)), inverse: true, ..Style::default() };
        assert_eq!(inverse.css().0, "ansi-fg-inv ansi-bg-1");
        assert_eq!(Style::default().css(), (String::new(), String::new()));
    }
}
