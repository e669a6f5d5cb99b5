//! Benchmarks for official documents: one signed form (bar ≤ 200 ms from the store to
//! PDF bytes), a batch of 100 documents of a day, a sheet of 300 labels. Writes the
//! "## Documents" section of docs/BENCHMARKS.md.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use brigada_core::forms::batch::{self, Selection};
use brigada_core::pdf::{self, Layout, Paper};
use brigada_core::procedure::DocumentKind;
use brigada_core::tag;
use brigada_scenarios::*;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn main() -> Result<()> {
    let arg = |name: &str| std::env::args().skip_while(|a| a != name).nth(1);
    let out = arg("--out").map(PathBuf::from);
    let (_d, mut store) = temp_store("Tablet 07");
    let n = 100;
    let mut jobs = Vec::with_capacity(n);
    for _ in 0..n {
        let job = new_job(&mut store, "P1");
        store.add_equipment(&job, &tag::format(7))?;
        drive(&mut store, &job, P1_TO_JUSTIFICACION)?;
        jobs.push(job);
    }

    // One signed form: from the store (version at the signature's heads) to PDF bytes.
    let mut one = Vec::new();
    let mut size = 0;
    for job in jobs.iter().cycle().take(200) {
        let t = Instant::now();
        let f = store.form(job, DocumentKind::JustificacionTecnica, false)?;
        let bytes = pdf::forms(&[f], Paper::Letter, &mut |_, _| {})?;
        one.push(ms(t));
        size = bytes.len();
    }

    // A day's batch: select every signed document of today, then one PDF.
    let t = Instant::now();
    let today = brigada_core::time::from_ms(brigada_core::time::now_ms())
        .with_timezone(&chrono_tz_offset())
        .date_naive();
    let (from, to) = batch::day(today);
    let sel = Selection {
        from_ms: Some(from),
        to_ms: Some(to),
        ..Default::default()
    };
    let forms = store.select_forms(&sel, &mut |_, _| {})?;
    let select_ms = ms(t);
    let t = Instant::now();
    let batch_pdf = pdf::forms(&forms, Paper::Letter, &mut |_, _| {})?;
    let render_ms = ms(t);
    assert_eq!(forms.len(), n, "every document of the day is in the batch");

    // A sheet of 300 labels (10 letter sheets).
    let tags: Vec<String> = (1..=300).map(tag::format).collect();
    let mut label_ms = Vec::new();
    let mut label_bytes = 0;
    for _ in 0..10 {
        let t = Instant::now();
        label_bytes = pdf::labels(&tags, Layout::Letter3x10)?.len();
        label_ms.push(ms(t));
    }

    let report = format!(
        "Release build, this machine. A P1 Justificación técnica with equipment, material, \
         notes and a drawn signature; ORIGINAL + COPIA, fonts embedded and subset.\n\n\
         | what | result | bar |\n|---|---|---|\n\
         | one signed form, store → PDF bytes | p50 {:.1} ms, p95 {:.1} ms ({} KiB) | ≤ 200 ms |\n\
         | batch: a day's {} documents (ORIGINAL + COPIA each) | select {:.0} ms + PDF {:.0} ms ({} KiB) | — |\n\
         | 300 labels (10 letter sheets of 3×10) | p50 {:.0} ms ({} KiB) | — |\n",
        pct(one.clone(), 0.5),
        pct(one, 0.95),
        size / 1024,
        forms.len(),
        select_ms,
        render_ms,
        batch_pdf.len() / 1024,
        pct(label_ms, 0.5),
        label_bytes / 1024,
    );
    print!("{report}");
    let photos = photo_report(&mut store, &jobs[0])?;
    print!("{photos}");
    if let Some(p) = out {
        write_section(&p, "Documents", &report)?;
        write_section(&p, "Photos", &photos)?;
    }
    Ok(())
}

/// A 12-megapixel camera JPEG → upright, ≤ 2048 px, thumbnail, durably stored and recorded.
fn photo_report(store: &mut brigada_core::Store, job: &str) -> Result<String> {
    let img = image::RgbImage::from_fn(4000, 3000, |x, y| {
        let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) >> 24;
        image::Rgb([(x / 16) as u8 ^ n as u8, (y / 12) as u8, ((x + y) / 28) as u8])
    });
    let mut raw = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut raw, 92).encode_image(&img)?;
    let raw = raw.into_inner();
    let mut ms_all = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        store.attach_photo(job, &raw, "nodo", None, false)?;
        ms_all.push(ms(t));
    }
    let kept = store
        .view(job)?
        .expediente
        .photos
        .last()
        .map(|p| store.blob(&p.blob))
        .transpose()?;
    Ok(format!(
        "A 12-megapixel JPEG ({} KiB) from the camera to a durable, recorded photo: decode, EXIF \
         orientation, resize to 2048 px, JPEG 85, 320 px thumbnail, both stored in the encrypted \
         database, the expediente changed, in one call (release build, this machine, 20 photos).\n\n\
         | what | result | bar |\n|---|---|---|\n\
         | 12 MP photo → durable save | p50 {:.0} ms, p95 {:.0} ms | ≤ 400 ms p95 |\n\
         | size kept | {} KiB (from {} KiB) | — |\n",
        raw.len() / 1024,
        pct(ms_all.clone(), 0.5),
        pct(ms_all, 0.95),
        kept.map(|b| b.len() / 1024).unwrap_or(0),
        raw.len() / 1024,
    ))
}

/// Mexico City is UTC−6 all year since 2022.
fn chrono_tz_offset() -> chrono::FixedOffset {
    chrono::FixedOffset::west_opt(6 * 3600).expect("valid offset")
}
