//! Rolling time series for the live charts: samples over a time window, with gaps where a
//! poll failed, drawn as SVG paths.

use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    window_ms: f64,
    /// `(time ms, value)`; `None` marks a failed poll: the line breaks there.
    points: VecDeque<(f64, Option<f64>)>,
}

impl Series {
    pub fn new(window_ms: f64) -> Self {
        Series { window_ms, points: VecDeque::new() }
    }

    pub fn push(&mut self, t: f64, value: Option<f64>) {
        self.points.push_back((t, value.filter(|v| v.is_finite())));
        while self.points.front().is_some_and(|(first, _)| *first < t - self.window_ms) {
            self.points.pop_front();
        }
    }

    pub fn last(&self) -> Option<f64> {
        self.points.back().and_then(|(_, v)| *v)
    }

    pub fn max(&self) -> f64 {
        self.points.iter().filter_map(|(_, v)| *v).fold(0.0, f64::max)
    }

    pub fn samples(&self) -> usize {
        self.points.iter().filter(|(_, v)| v.is_some()).count()
    }

    pub fn gaps(&self) -> usize {
        self.points.iter().filter(|(_, v)| v.is_none()).count()
    }

    /// An SVG path of the window ending at `now`, `width` × `height`, values up to `top`
    /// at the top edge. Each run of samples between gaps is its own subpath.
    pub fn path(&self, now: f64, width: f64, height: f64, top: f64) -> String {
        let start = now - self.window_ms;
        let x = |t: f64| ((t - start) / self.window_ms * width).clamp(0.0, width);
        let y = |v: f64| if top > 0.0 { (height - v / top * height).clamp(0.0, height) } else { height };
        let mut d = String::new();
        let mut pen_down = false;
        for (t, v) in &self.points {
            match v {
                Some(v) => {
                    d.push_str(&format!("{}{:.1},{:.1}", if pen_down { " L" } else { " M" }, x(*t), y(*v)));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        d.trim_start().to_string()
    }
}

/// A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least `value`.
pub fn nice_ceiling(value: f64) -> f64 {
    if !(value.is_finite() && value > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|c| *c >= value).unwrap_or(10.0 * magnitude)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_a_rolling_window_with_gaps() {
        let mut s = Series::new(10_000.0);
        for (t, v) in
            [(0.0, Some(1.0)), (2_000.0, Some(2.0)), (4_000.0, None), (6_000.0, Some(4.0)), (8_000.0, Some(3.0))]
        {
            s.push(t, v);
        }
        assert_eq!((s.samples(), s.gaps(), s.max(), s.last()), (4, 1, 4.0, Some(3.0)));
        assert_eq!(s.path(10_000.0, 100.0, 40.0, 4.0), "M0.0,30.0 L20.0,20.0 M60.0,0.0 L80.0,10.0");
        s.push(12_500.0, Some(1.0));
        // The first two samples fell out of the window.
        assert_eq!(s.samples(), 3);
        s.push(13_000.0, Some(f64::NAN));
        assert_eq!(s.gaps(), 2);
    }

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(3.2), 5.0);
        assert_eq!(nice_ceiling(120.0), 200.0);
        assert_eq!(nice_ceiling(1000.0), 1000.0);
        assert_eq!(nice_ceiling(600.0), 1000.0);
    }
}
