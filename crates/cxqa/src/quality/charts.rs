//! The report's charts as inline SVG, written by hand: five chart shapes do not justify a
//! charting crate's build time, and hand-written SVG keeps every label inside its box and
//! every chart accessible (a `<title>` and `<desc>`, `role="img"`, a `<title>` per mark).

use super::figures::{AgentRow, CalibrationRow, VersionRow, WeekRow};
use std::fmt::Write;

/// Escapes text for HTML and SVG.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// At most `max` characters, with an ellipsis when cut, so a label stays inside its box.
pub fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

struct Svg {
    out: String,
}

impl Svg {
    fn new(id: &str, width: u32, height: u32, title: &str, desc: &str) -> Svg {
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg class="chart" id="{id}" role="img" aria-labelledby="{id}-t {id}-d" viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
            escape(title),
            escape(desc)
        );
        Svg { out }
    }

    fn raw(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn text(&mut self, x: f64, y: f64, anchor: &str, class: &str, text: &str) {
        let _ = write!(
            self.out,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" class="{class}">{}</text>"#,
            escape(text)
        );
    }

    fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), class: &str) {
        let _ = write!(
            self.out,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" class="{class}"/>"#
        );
    }

    /// A message in place of marks when there is nothing to draw.
    fn empty(&mut self, width: u32, height: u32, message: &str) {
        self.text(
            f64::from(width) / 2.0,
            f64::from(height) / 2.0,
            "middle",
            "empty",
            message,
        );
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

/// A 0–100 axis from `from` to `to` pixels.
fn scale(value: f64, from: f64, to: f64) -> f64 {
    from + (to - from) * value.clamp(0.0, 100.0) / 100.0
}

/// Sentiment (-1 … 1) as a colour from red through grey to green.
fn sentiment_colour(sentiment: Option<f64>) -> String {
    match sentiment {
        None => "#9aa0a6".into(),
        Some(s) if s < 0.0 => {
            let t = (-s).min(1.0);
            format!(
                "rgb({},{},{})",
                154 + (t * 60.0) as u8,
                (160.0 - t * 110.0) as u8,
                (166.0 - t * 120.0) as u8
            )
        }
        Some(s) => {
            let t = s.min(1.0);
            format!(
                "rgb({},{},{})",
                (154.0 - t * 120.0) as u8,
                160 + (t * 20.0) as u8,
                (166.0 - t * 110.0) as u8
            )
        }
    }
}

/// QA (y) against CSAT (x) per agent, split at the medians, coloured by sentiment.
pub fn agent_scatter(
    agents: &[AgentRow],
    qa_median: Option<f64>,
    csat_median: Option<f64>,
) -> String {
    let (w, h) = (640u32, 420u32);
    let (left, right, top, bottom) = (56.0, 620.0, 20.0, 370.0);
    let mut svg = Svg::new(
        "chart-agents",
        w,
        h,
        "QA score against CSAT per agent",
        "Each dot is an agent: across, the average CSAT (0–100); up, the average normalized QA score (0–100); the colour is the average transcript sentiment, red negative to green positive. Dashed lines are the medians; the upper left quadrant, high QA with low CSAT, is the coaching list.",
    );
    let points: Vec<&AgentRow> = agents
        .iter()
        .filter(|a| a.qa.is_some() && a.csat.is_some())
        .collect();
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let (x, y) = (scale(tick, left, right), scale(tick, bottom, top));
        svg.line((left, y), (right, y), "grid");
        svg.text(left - 6.0, y + 4.0, "end", "tick", &format!("{tick:.0}"));
        svg.text(x, bottom + 16.0, "middle", "tick", &format!("{tick:.0}"));
    }
    svg.text(
        (left + right) / 2.0,
        bottom + 40.0,
        "middle",
        "axis",
        "average CSAT (0–100)",
    );
    svg.raw(&format!(
        r#"<text x="14" y="{:.1}" text-anchor="middle" class="axis" transform="rotate(-90 14 {:.1})">average QA score (0–100)</text>"#,
        (top + bottom) / 2.0,
        (top + bottom) / 2.0
    ));
    if points.is_empty() {
        svg.empty(
            w,
            h,
            "No agent has both evaluations and surveys in this data.",
        );
        return svg.finish();
    }
    if let (Some(qa), Some(csat)) = (qa_median, csat_median) {
        let (x, y) = (scale(csat, left, right), scale(qa, bottom, top));
        svg.line((x, top), (x, bottom), "median");
        svg.line((left, y), (right, y), "median");
        svg.text(
            left + 6.0,
            top + 14.0,
            "start",
            "quadrant",
            "high QA, low CSAT: coach",
        );
        svg.text(
            right - 6.0,
            top + 14.0,
            "end",
            "quadrant",
            "high QA, high CSAT",
        );
        svg.text(
            left + 6.0,
            bottom - 8.0,
            "start",
            "quadrant",
            "low QA, low CSAT",
        );
        svg.text(
            right - 6.0,
            bottom - 8.0,
            "end",
            "quadrant",
            "low QA, high CSAT: review the form",
        );
    }
    for agent in points {
        let (qa, csat) = (agent.qa.unwrap_or_default(), agent.csat.unwrap_or_default());
        let sentiment = agent.sentiment.map_or("no transcripts".to_string(), |s| {
            format!("sentiment {s:+.2}")
        });
        let _ = write!(
            svg.out,
            r#"<circle cx="{:.1}" cy="{:.1}" r="6" fill="{}" class="dot"><title>{}: QA {qa:.1}, CSAT {csat:.1}, {sentiment}</title></circle>"#,
            scale(csat, left, right),
            scale(qa, bottom, top),
            sentiment_colour(agent.sentiment),
            escape(&agent.name)
        );
    }
    svg.finish()
}

/// One box per form version: minimum, quartiles and maximum of its normalized scores.
pub fn version_boxes(versions: &[VersionRow]) -> String {
    let row_height = 34.0;
    let h = (60.0 + row_height * versions.len().max(1) as f64) as u32;
    let w = 680u32;
    let (left, right, top) = (270.0, 660.0, 16.0);
    let mut svg = Svg::new(
        "chart-versions",
        w,
        h,
        "Score distribution per form and form version",
        "One row per form version, oldest first within a form: the line spans the lowest to the highest normalized score, the box the middle half, the bar in the box the median. A box that moves after a new version is drift from the form change.",
    );
    if versions.is_empty() {
        svg.empty(w, h, "No scored evaluation in this data.");
        return svg.finish();
    }
    let bottom = top + row_height * versions.len() as f64;
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let x = scale(tick, left, right);
        svg.line((x, top), (x, bottom), "grid");
        svg.text(x, bottom + 16.0, "middle", "tick", &format!("{tick:.0}"));
    }
    svg.text(
        (left + right) / 2.0,
        bottom + 38.0,
        "middle",
        "axis",
        "normalized score (0–100)",
    );
    for (i, version) in versions.iter().enumerate() {
        let y = top + row_height * i as f64 + row_height / 2.0;
        // Some vendors version forms by id: the first characters tell versions apart.
        let label = format!(
            "{} v{} ({})",
            fit(&version.form, 18),
            fit(&version.version, 9),
            version.count
        );
        svg.text(left - 8.0, y + 4.0, "end", "label", &label);
        let [min, q1, median, q3, max] = version.five.map(|v| scale(v, left, right));
        svg.line((min, y), (max, y), "whisker");
        let _ = write!(
            svg.out,
            r#"<rect x="{q1:.1}" y="{:.1}" width="{:.1}" height="18" class="box"><title>{}: median {:.1}, middle half {:.1}–{:.1}, range {:.1}–{:.1}, {} evaluations</title></rect>"#,
            y - 9.0,
            (q3 - q1).max(1.5),
            escape(&label),
            version.five[2],
            version.five[1],
            version.five[3],
            version.five[0],
            version.five[4],
            version.count
        );
        svg.line((median, y - 9.0), (median, y + 9.0), "median-mark");
    }
    svg.finish()
}

/// QA, CSAT and sentiment per ISO week, on one 0–100 scale (sentiment -1 … 1 mapped onto it).
pub fn weekly_trend(weeks: &[WeekRow]) -> String {
    let (w, h) = (680u32, 320u32);
    let (left, right, top, bottom) = (48.0, 560.0, 16.0, 260.0);
    let mut svg = Svg::new(
        "chart-weeks",
        w,
        h,
        "Weekly trend of QA, CSAT and sentiment",
        "Per ISO week: the average normalized QA score, the average CSAT, and the average sentiment mapped from −1…1 onto 0–100 (50 is neutral).",
    );
    if weeks.is_empty() {
        svg.empty(
            w,
            h,
            "No dated evaluation, survey or transcript in this data.",
        );
        return svg.finish();
    }
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let y = scale(tick, bottom, top);
        svg.line((left, y), (right, y), "grid");
        svg.text(left - 6.0, y + 4.0, "end", "tick", &format!("{tick:.0}"));
    }
    let x_of = |i: usize| {
        if weeks.len() == 1 {
            (left + right) / 2.0
        } else {
            left + (right - left) * i as f64 / (weeks.len() - 1) as f64
        }
    };
    let every = weeks.len().div_ceil(8);
    for (i, week) in weeks.iter().enumerate() {
        if i % every == 0 {
            svg.text(
                x_of(i),
                bottom + 16.0,
                "middle",
                "tick",
                &week.week.format("%d %b").to_string(),
            );
        }
    }
    type Series = (
        &'static str,
        &'static str,
        Box<dyn Fn(&WeekRow) -> Option<f64>>,
    );
    let series: [Series; 3] = [
        ("QA", "qa", Box::new(|w: &WeekRow| w.qa)),
        ("CSAT", "csat", Box::new(|w: &WeekRow| w.csat)),
        (
            "sentiment",
            "sentiment",
            Box::new(|w: &WeekRow| w.sentiment.map(|s| (s + 1.0) * 50.0)),
        ),
    ];
    for (n, (name, class, value)) in series.iter().enumerate() {
        let points: Vec<(f64, f64, f64)> = weeks
            .iter()
            .enumerate()
            .filter_map(|(i, w)| value(w).map(|v| (x_of(i), scale(v, bottom, top), v)))
            .collect();
        let path: Vec<String> = points
            .iter()
            .map(|(x, y, _)| format!("{x:.1},{y:.1}"))
            .collect();
        if points.len() > 1 {
            let _ = write!(
                svg.out,
                r#"<polyline points="{}" class="series {class}"/>"#,
                path.join(" ")
            );
        }
        for ((x, y, v), week) in points
            .iter()
            .zip(weeks.iter().filter(|w| value(w).is_some()))
        {
            let _ = write!(
                svg.out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" class="point {class}"><title>week of {}: {name} {v:.1}</title></circle>"#,
                week.week
            );
        }
        let ly = top + 14.0 + 20.0 * n as f64;
        svg.line(
            (right + 12.0, ly - 4.0),
            (right + 30.0, ly - 4.0),
            &format!("series {class}"),
        );
        svg.text(right + 34.0, ly, "start", "label", name);
    }
    svg.finish()
}

/// Each evaluator's mean minus the others' on the same agents and forms, with the spread.
pub fn calibration(evaluators: &[CalibrationRow]) -> String {
    let row_height = 28.0;
    let h = (64.0 + row_height * evaluators.len().max(1) as f64) as u32;
    let w = 640u32;
    let (left, right, top) = (200.0, 620.0, 16.0);
    let mut svg = Svg::new(
        "chart-calibration",
        w,
        h,
        "Evaluator calibration",
        "One bar per evaluator: how many points their mean normalized score is above (right) or below (left) the other evaluators' mean on the same agents and forms; the whisker is one standard deviation of that difference.",
    );
    if evaluators.is_empty() {
        svg.empty(
            w,
            h,
            "No two evaluators scored the same agent on the same form.",
        );
        return svg.finish();
    }
    let reach = evaluators
        .iter()
        .map(|e| e.difference.abs() + e.spread)
        .fold(5.0_f64, f64::max)
        .ceil();
    let x_of = |d: f64| left + (right - left) * (d + reach) / (2.0 * reach);
    let bottom = top + row_height * evaluators.len() as f64;
    for tick in [-reach, -reach / 2.0, 0.0, reach / 2.0, reach] {
        let x = x_of(tick);
        svg.line(
            (x, top),
            (x, bottom),
            if tick == 0.0 { "zero" } else { "grid" },
        );
        svg.text(x, bottom + 16.0, "middle", "tick", &format!("{tick:+.0}"));
    }
    svg.text(
        (left + right) / 2.0,
        bottom + 38.0,
        "middle",
        "axis",
        "points above or below the other evaluators",
    );
    for (i, evaluator) in evaluators.iter().enumerate() {
        let y = top + row_height * i as f64 + row_height / 2.0;
        svg.text(
            left - 8.0,
            y + 4.0,
            "end",
            "label",
            &fit(&evaluator.name, 26),
        );
        let (from, to) = (x_of(0.0), x_of(evaluator.difference));
        let class = if evaluator.difference < 0.0 {
            "bar harder"
        } else {
            "bar softer"
        };
        let _ = write!(
            svg.out,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="14" class="{class}"><title>{}: {:+.1} points against peers over {} agent-form pairs (spread {:.1})</title></rect>"#,
            from.min(to),
            y - 7.0,
            (to - from).abs().max(1.0),
            escape(&evaluator.name),
            evaluator.difference,
            evaluator.pairs,
            evaluator.spread
        );
        svg.line(
            (x_of(evaluator.difference - evaluator.spread), y),
            (x_of(evaluator.difference + evaluator.spread), y),
            "whisker",
        );
    }
    svg.finish()
}

/// Horizontal bars of counts (or shares, with `unit` "%"), one per label.
pub fn bars(
    id: &str,
    title: &str,
    desc: &str,
    items: &[(String, f64)],
    unit: &str,
    empty: &str,
) -> String {
    let row_height = 26.0;
    let h = (44.0 + row_height * items.len().max(1) as f64) as u32;
    let w = 640u32;
    let (left, right, top) = (230.0, 560.0, 12.0);
    let mut svg = Svg::new(id, w, h, title, desc);
    if items.is_empty() {
        svg.empty(w, h, empty);
        return svg.finish();
    }
    let max = if unit == "%" {
        100.0
    } else {
        items.iter().map(|(_, v)| *v).fold(1.0_f64, f64::max)
    };
    for (i, (label, value)) in items.iter().enumerate() {
        let y = top + row_height * i as f64;
        svg.text(left - 8.0, y + 15.0, "end", "label", &fit(label, 34));
        let width = ((right - left) * value / max).max(1.0);
        let shown = if unit == "%" {
            format!("{value:.0}%")
        } else {
            format!("{value:.0}")
        };
        let _ = write!(
            svg.out,
            r#"<rect x="{left:.1}" y="{:.1}" width="{width:.1}" height="16" class="bar"><title>{}: {shown}</title></rect>"#,
            y + 3.0,
            escape(label)
        );
        svg.text(left + width + 6.0, y + 15.0, "start", "tick", &shown);
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_fitted() {
        assert_eq!(escape("<b>&\"</b>"), "&lt;b&gt;&amp;&quot;&lt;/b&gt;");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
    }

    #[test]
    fn an_empty_chart_says_so_instead_of_drawing_nothing() {
        let svg = bars("x", "t", "d", &[], "", "Nothing here.");
        assert!(svg.contains("Nothing here.") && svg.contains("role=\"img\""));
    }
}
