use super::bar::{Bar, Bars};
use super::coverage::{Coverage, DayMark};
use super::funnel::{Funnel, FunnelPoint};
use super::heatmap::{HeatCell, Heatmap};
use super::line::{Trend, TrendPoint};
use super::*;

fn heatmap() -> Heatmap {
    Heatmap {
        title: "Amabilidad en la atención".into(),
        rows: vec![
            "Admisiones y registro".into(),
            "Facultad de Medicina <script>".into(),
        ],
        cols: vec!["Teléfono".into(), "Escríbenos (portal web)".into()],
        cells: vec![
            HeatCell {
                row: 0,
                col: 0,
                value: Some(71.25),
                n: Some(1234),
                status: Some("needs_plan".into()),
            },
            HeatCell {
                row: 0,
                col: 1,
                value: Some(91.0),
                n: Some(3),
                status: Some("ok".into()),
            },
            HeatCell {
                row: 1,
                col: 0,
                value: Some(85.0),
                n: Some(40),
                status: Some("ok".into()),
            },
        ],
        min_n: 5,
    }
}

/// Whether the SVG has a `<text>` element with exactly this (escaped) content.
fn has_text(svg: &str, t: &str) -> bool {
    svg.contains(&format!(">\n{t}\n</text>")) || svg.contains(&format!(">{t}</text>"))
}

fn is_svg(s: &str) -> bool {
    s.starts_with("<svg") && s.trim_end().ends_with("</svg>")
}

#[test]
fn heatmap_svg_has_cell_labels_and_suppresses_small_cells() {
    let s = svg(&heatmap()).unwrap();
    assert!(is_svg(&s), "{}", &s[..200.min(s.len())]);
    assert!(has_text(&s, "71,3"), "score with a decimal comma");
    assert!(has_text(&s, "n = 1.234"), "n with a thousands dot");
    assert!(has_text(&s, "n&lt;5"), "small cell");
    assert!(
        !s.contains(">91,0<"),
        "a figure under 5 observations never shows"
    );
    assert!(s.contains("Teléfono"));
    assert!(
        s.contains("&lt;script&gt;") && !s.contains("<script"),
        "text is escaped"
    );
}

#[test]
fn other_charts_render_valid_svg() {
    let trend = Trend {
        title: "Admisiones · Teléfono · Oportunidad".into(),
        points: (1..=12)
            .map(|m| TrendPoint {
                period: format!("2026-{m:02}"),
                value: if m == 4 { None } else { Some(70.0 + m as f64) },
                lower: Some(60.0 + m as f64),
                upper: Some(80.0 + m as f64),
                target: Some(80.0),
            })
            .collect(),
        y_min: 0.0,
        y_max: 100.0,
    };
    let s = svg(&trend).unwrap();
    assert!(
        is_svg(&s) && s.contains("Meta 80") && s.contains("oct. 26"),
        "trend"
    );
    let funnel = Funnel {
        title: "Embudo".into(),
        target: 80.0,
        points: vec![
            FunnelPoint {
                label: "Admisiones · Teléfono".into(),
                n: 300,
                value: 62.0,
                status: Some("needs_plan".into()),
            },
            FunnelPoint {
                label: "Posgrados".into(),
                n: 40,
                value: 85.0,
                status: Some("ok".into()),
            },
        ],
    };
    let s = svg(&funnel).unwrap();
    assert!(is_svg(&s) && s.contains("Admisiones · Teléfono") && s.contains("Límites 95 %"));
    let bars = Bars {
        title: "CSAT".into(),
        categories: vec!["Saludo".into(), "Cierre".into()],
        series: vec!["Teléfono".into(), "WhatsApp".into()],
        bars: vec![
            Bar {
                category: 0,
                series: 0,
                value: Some(87.25),
            },
            Bar {
                category: 0,
                series: 1,
                value: None,
            },
            Bar {
                category: 1,
                series: 1,
                value: Some(-12.0),
            },
        ],
        x_min: -100.0,
        x_max: 100.0,
        min_n: 5,
        unit: " %".into(),
    };
    let s = svg(&bars).unwrap();
    assert!(is_svg(&s) && s.contains("87,3 %") && s.contains("n&lt;5") && s.contains("-12,0 %"));
    let cov = Coverage {
        title: "Cobertura".into(),
        rows: vec!["Interacciones · Teléfono".into()],
        days: vec!["1".into(), "2".into(), "3".into()],
        weekdays: vec!["L".into(), "M".into(), "X".into()],
        marks: vec![vec![
            DayMark::Records(10),
            DayMark::Missing,
            DayMark::Quiet {
                business_day: false,
            },
        ]],
    };
    let s = svg(&cov).unwrap();
    assert!(is_svg(&s) && s.contains("Exportación faltante") && has_text(&s, "×"));
}

/// Issue 16: a flagged point at the bottom of the range sat on the axis, under the legend,
/// and the long title was cut. Now the axis leaves room below and above every point, the
/// legend has its own strip under the plot, flagged points carry their label, and the
/// title wraps instead of being shortened.
#[test]
fn funnel_keeps_points_inside_and_labels_flagged_ones() {
    let title = "Amabilidad en la atención: puntaje frente al número de observaciones por servicio (noviembre de 2026)";
    let funnel = Funnel {
        title: title.into(),
        target: 80.0,
        points: vec![
            FunnelPoint {
                label: "Centro de Veterinaria y Zootecnia · Teléfono".into(),
                n: 37,
                value: 41.0,
                status: Some("needs_plan".into()),
            },
            FunnelPoint {
                label: "Admisiones · Presencial".into(),
                n: 900,
                value: 100.0,
                status: Some("ok".into()),
            },
        ],
    };
    let (lo, hi) = funnel.y_range();
    assert!(lo <= 41.0 - 4.0, "room under the lowest point: {lo}");
    assert!(hi >= 100.0 + 3.0, "room over a point at 100: {hi}");
    let s = svg(&funnel).unwrap();
    assert!(!s.contains('…'), "nothing shortened");
    for word in title.split_whitespace() {
        assert!(s.contains(word), "title word {word} missing");
    }
    assert!(
        s.contains("Centro de Veterinaria y"),
        "flagged point labelled"
    );
    assert!(
        !s.contains("Admisiones · Presencial"),
        "only flagged points labelled"
    );
    // The legend is below the plot: its text is lower than every point.
    let legend_y = text_y(&s, "Meta 80").expect("legend");
    for cy in s.match_indices("<circle").map(|(i, _)| attr(&s[i..], "cy")) {
        assert!(
            cy < legend_y - 10.0,
            "a point at y {cy} under the legend at {legend_y}"
        );
    }
}

fn attr(tag: &str, name: &str) -> f64 {
    let key = format!(" {name}=\"");
    let at = tag.find(&key).unwrap() + key.len();
    tag[at..at + tag[at..].find('"').unwrap()].parse().unwrap()
}

/// The y of the `<text>` element whose content is `t`.
fn text_y(svg: &str, t: &str) -> Option<f64> {
    let end = svg
        .find(&format!("{t}\n</text>"))
        .or_else(|| svg.find(&format!("{t}</text>")))?;
    let start = svg[..end].rfind("<text")?;
    Some(attr(&svg[start..end], "y"))
}

#[test]
fn png_renders_text_with_the_embedded_font() {
    // The embedded font draws text without any system font: the title area of a PNG has
    // dark pixels only if glyphs were drawn.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.png");
    png(&heatmap(), &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // Decode with the png crate plotters uses to encode.
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, channels) = (info.width as usize, info.color_type.samples());
    // Title: "Amabilidad en la atención" at y ≈ 18, x from 10.
    let mut dark = 0;
    for y in 8..28 {
        for x in 10..240 {
            let i = (y * w + x) * channels;
            if buf[i] < 100 && buf[i + 1] < 100 && buf[i + 2] < 100 {
                dark += 1;
            }
        }
    }
    assert!(dark > 200, "title glyphs drawn ({dark} dark pixels)");
}

#[test]
fn svg_font_sizes_are_pixels() {
    let s = svg(&heatmap()).unwrap();
    // The title is drawn at 17 px (plotters alone would write 13.7).
    assert!(s.contains("font-size=\"17.0\""), "{}", &s[..600]);
}

#[test]
fn wrapping_and_clipping() {
    assert_eq!(
        wrap("Escríbenos (portal web)", 16),
        vec!["Escríbenos", "(portal web)"]
    );
    assert_eq!(clip("Facultad de Odontología", 10), "Facultad …");
}

#[test]
fn no_system_font_machinery_is_linked() {
    // plotters' `ttf` feature (font-kit, fontconfig) would ignore the registered font.
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock")).unwrap();
    for name in ["font-kit", "yeslogic-fontconfig-sys", "servo-fontconfig"] {
        assert!(
            !lock.contains(&format!("name = \"{name}\"")),
            "{name} is in Cargo.lock"
        );
    }
}
