//! `peers-chart RESULTS_JSON OUT_PNG FONT_TTF`: the chart of `benches/RESULTS.md`.
//!
//! One horizontal bar per row of the peer harness (`benches/peers/run.sh`), on a
//! log scale around 1: the throughput ratio fotobase/peer, right of 1 (green)
//! where fotobase is faster, left (red) where the peer is. Drawn with plotters'
//! bitmap backend into memory and written as PNG by fotobase itself; text is
//! rasterised by ab_glyph from a TTF file passed in (Debian's DejaVu Sans), so
//! no fontconfig or freetype is needed.

use std::process::ExitCode;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};
use serde_json::Value;

struct Bar {
    label: String,
    ratio: f64,
}

fn bars(results: &Value) -> Vec<Bar> {
    let rows = results["rows"].as_array().map(Vec::as_slice).unwrap_or_default();
    rows.iter()
        .filter_map(|r| {
            let ratio = r["ratio"].as_f64()?;
            let threads = &r["threads"];
            let label = format!(
                "{} · {} vs {} [{}/{} thr]",
                r["binding"].as_str()?,
                r["workload"].as_str()?,
                r["peer"].as_str()?.split(" (").next()?,
                threads["ours"].as_str()?.split(' ').next()?,
                threads["peer"].as_str()?.split(' ').next()?,
            );
            Some(Bar { label, ratio })
        })
        .collect()
}

fn draw(bars: &[Bar], w: u32, h: u32, buf: &mut [u8]) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::with_buffer(buf, (w, h)).into_drawing_area();
    root.fill(&WHITE)?;
    let lo = bars.iter().map(|b| b.ratio).fold(1.0_f64, f64::min).min(0.5) / 1.5;
    let hi = bars.iter().map(|b| b.ratio).fold(1.0_f64, f64::max).max(2.0) * 1.5;
    let n = bars.len() as i32;
    // Log axes label only powers of ten by themselves: ask for the ratios worth reading.
    let ticks: Vec<f64> = [0.05, 0.1, 0.2, 0.5, 1.0, 1.5, 2.0, 5.0, 10.0, 20.0, 50.0]
        .into_iter()
        .filter(|t| (lo..=hi).contains(t))
        .collect();
    let mut chart = ChartBuilder::on(&root)
        .caption("fotobase vs peers: throughput ratio (> 1 = fotobase faster)", ("sans-serif", 26))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(600)
        .build_cartesian_2d((lo..hi).log_scale().with_key_points(ticks), (0..n - 1).into_segmented())?;
    let labels: Vec<&str> = bars.iter().map(|b| b.label.as_str()).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(bars.len())
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).map(|s| s.to_string()).unwrap_or_default(),
            _ => String::new(),
        })
        .x_desc("fotobase/peer (log scale)")
        .x_label_formatter(&|x| format!("{x}×"))
        .label_style(("sans-serif", 15))
        .draw()?;
    let green = RGBColor(46, 139, 87);
    let red = RGBColor(200, 60, 50);
    chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
        let color = if b.ratio >= 1.0 { green } else { red };
        let i = i as i32;
        let mut r = Rectangle::new(
            [(1.0, SegmentValue::Exact(i)), (b.ratio, SegmentValue::Exact(i + 1))],
            color.mix(0.85).filled(),
        );
        r.set_margin(4, 4, 0, 0);
        r
    }))?;
    chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
        let x = if b.ratio >= 1.0 { b.ratio * 1.03 } else { b.ratio / 1.03 };
        let pos = Pos::new(if b.ratio >= 1.0 { HPos::Left } else { HPos::Right }, VPos::Center);
        let style = ("sans-serif", 14).into_font().color(&BLACK).pos(pos);
        Text::new(format!("{:.2}×", b.ratio), (x, SegmentValue::CenterOf(i as i32)), style)
    }))?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(1.0, SegmentValue::Exact(0)), (1.0, SegmentValue::Exact(n))],
        BLACK.stroke_width(2),
    )))?;
    root.present()?;
    Ok(())
}

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let [results, out, font] = args else {
        return Err("usage: peers-chart RESULTS_JSON OUT_PNG FONT_TTF".into());
    };
    let results: Value = serde_json::from_slice(&std::fs::read(results)?)?;
    let font: &'static [u8] = Box::leak(std::fs::read(font)?.into_boxed_slice());
    register_font("sans-serif", FontStyle::Normal, font).map_err(|_| "not a TrueType font")?;
    let mut bars = bars(&results);
    bars.reverse(); // the table's first row at the top (y grows upwards)
    if bars.is_empty() {
        return Err("no rows with a ratio in the results".into());
    }
    let (w, h) = (1500_u32, 110 + 34 * bars.len() as u32);
    let mut buf = vec![0_u8; (w * h * 3) as usize];
    draw(&bars, w, h, &mut buf)?;
    let img = fotobase::image::Image::from_raw(w, h, 3, buf)?;
    let png = fotobase::image::encode(&img, "png-oxipng", &Default::default())?;
    std::fs::write(out, &png.data)?;
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("peers-chart: {e}");
            ExitCode::FAILURE
        }
    }
}
