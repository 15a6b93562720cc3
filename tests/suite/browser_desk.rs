//! The desk's query side in headless Chromium: a picture dropped on the
//! drop zone and one pasted get their matches in words; the compare view
//! of a mirrored, cropped copy draws the reference aligned with the
//! transform and frames the matcher found (its difference view is dark
//! where the naive one is not); on a phone-sized window nothing overflows
//! sideways; the pages load nothing from anywhere but the server.
//!
//! WebDriver cannot drag a file from the desktop or put one on the
//! clipboard, so the drop and the paste are the browser's own events
//! (`DragEvent`, `ClipboardEvent`) made in the page around a real file
//! picked through a file input: the page's handlers run exactly as for a
//! real drop or Ctrl-V.

use std::path::Path;

use serde_json::Value;

use super::browser::desk_server;
use super::util::references;
use super::webdriver::{browser, Driver, ESCAPE};

/// Puts `file` in a file input made for the test and sends the browser's
/// `event` (`drop` on the drop zone, or `paste` on the document) carrying it.
fn send_as(driver: &Driver, file: &Path, event: &str) {
    driver.script(
        "const i = document.createElement('input'); i.type = 'file'; i.id = 'test-file';
         i.style = 'position:absolute;width:1px;height:1px;opacity:0'; document.body.append(i);",
    );
    driver.type_into("#test-file", &file.display().to_string());
    let sent = driver.script(&format!(
        "const i = document.getElementById('test-file');
         const dt = new DataTransfer(); for (const f of i.files) dt.items.add(f); i.remove();
         const init = {{ bubbles: true, cancelable: true }};
         if ('{event}' === 'drop') {{
           const zone = document.getElementById('drop');
           zone.dispatchEvent(new DragEvent('dragover', {{ ...init, dataTransfer: dt }}));
           return zone.dispatchEvent(new DragEvent('drop', {{ ...init, dataTransfer: dt }}));
         }}
         return document.dispatchEvent(new ClipboardEvent('paste', {{ ...init, clipboardData: dt }}));"
    ));
    // The handler took the event (it cancels it once it has the files).
    assert_eq!(
        sent,
        Value::Bool(false),
        "the page did not take the {event}"
    );
}

/// The results of the desk's queries, newest first: (query name, text).
fn results(driver: &Driver) -> Vec<(String, String)> {
    let v = driver.script(
        "return Array.from(document.querySelectorAll('#results article')).map(a =>
           [a.querySelector('figcaption').textContent, a.innerText])",
    );
    serde_json::from_value(v).unwrap()
}

/// Mean brightness (0 to 255) of the compare view's canvas, and of the
/// difference between the query and the reference merely stretched over
/// it (not aligned).
const MEANS: &str = "
  const mean = (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i] + d[i + 1] + d[i + 2];
    return s / (d.length / 4 * 3);
  };
  const q = document.getElementById('cmp-query'), r = document.getElementById('cmp-ref');
  const naive = document.createElement('canvas');
  naive.width = q.naturalWidth; naive.height = q.naturalHeight;
  const g = naive.getContext('2d');
  g.drawImage(q, 0, 0); g.globalCompositeOperation = 'difference';
  g.drawImage(r, 0, 0, naive.width, naive.height);
  return [mean(document.querySelector('#compare-stage canvas')), mean(naive)];";

#[test]
fn the_desk_takes_drops_and_pastes_and_aligns_the_compare_view() {
    let Some(programs) = browser() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let server = desk_server(tmp.path());
    let driver = Driver::start(&programs, tmp.path());

    // The storm picture mirrored and cut to its centre (a tenth off each
    // side), as a copy spread with its edges trimmed would be.
    let storm = image::open(references().join("storm.jpg")).unwrap();
    let (w, h) = (storm.width(), storm.height());
    let copy = storm.fliph().crop_imm(w / 10, h / 10, w - w / 5, h - h / 5);
    let mirrored = tmp.path().join("mirrored_crop.jpg");
    copy.to_rgb8().save(&mirrored).unwrap();

    driver.go(&server.at("/"));
    send_as(&driver, &mirrored, "drop");
    driver.wait(
        "return document.querySelectorAll('#results article').length === 1",
        "the dropped picture's matches",
    );
    send_as(
        &driver,
        &references().join("examples").join("flood_crop.jpg"),
        "paste",
    );
    driver.wait(
        "return document.querySelectorAll('#results article').length === 2",
        "the pasted picture's matches",
    );
    let found = results(&driver);
    assert_eq!(found[0].0, "flood_crop.jpg");
    assert!(found[0].1.contains("gps_dscn0025.jpg"), "{found:?}");
    assert_eq!(found[1].0, "mirrored_crop.jpg");
    let dropped = found[1].1.to_lowercase();
    // The verdict is in words (readable without colour), the transform named.
    assert!(dropped.contains("seen before: a copy"), "{dropped}");
    assert!(
        dropped.contains("storm.jpg") && dropped.contains("mirror-horizontal"),
        "{dropped}"
    );

    // The compare view of the mirrored crop: its difference view, with the
    // reference mirrored and cut as the matcher found, is far darker than
    // the reference merely stretched over the query.
    driver.click("#results article:last-child .compare-button");
    driver.wait(
        "return document.querySelector('#compare').open && document.querySelector('#cmp-ref').naturalWidth > 0",
        "the compare view",
    );
    let note = driver.script("return document.getElementById('compare-note').textContent");
    assert!(
        note.as_str().unwrap().contains("mirror-horizontal"),
        "{note}"
    );
    driver.click("#compare [data-mode=difference]");
    let means: Vec<f64> = serde_json::from_value(driver.script(MEANS)).unwrap();
    let (aligned, naive) = (means[0], means[1]);
    assert!(
        aligned < 20.0 && aligned < naive / 3.0,
        "difference aligned {aligned:.1}, not aligned {naive:.1}"
    );
    // The overlay at its middle setting: half query, half aligned reference.
    driver.click("#compare [data-mode=overlay]");
    assert_eq!(
        driver
            .script("return document.querySelector('#compare [aria-selected=true]').dataset.mode"),
        "overlay"
    );
    let selected = driver.script(
        "return getComputedStyle(document.querySelector('#compare [aria-selected=true]'), '::before').content",
    );
    assert!(
        selected.as_str().unwrap().contains('✓'),
        "the selected view is marked by colour only: {selected}"
    );
    driver.screenshot("serve-overlay.png");
    driver.keys(ESCAPE);

    // Nothing was loaded from anywhere but the server (and the page's own
    // picture blobs).
    let foreign = driver.script(
        "return performance.getEntriesByType('resource').map(e => e.name)
           .filter(n => !n.startsWith(location.origin + '/') && !n.startsWith('blob:') && !n.startsWith('data:'))",
    );
    assert_eq!(foreign, Value::Array(vec![]), "loaded from elsewhere");

    // On a phone-sized window no page is wider than the screen.
    driver.window_size(390, 844);
    for page in ["/", "/corpus", "/corpus/1"] {
        driver.go(&server.at(page));
        let fits = driver.script(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth",
        );
        assert_eq!(fits, Value::Bool(true), "{page} is wider than a phone");
    }
    driver.go(&server.at("/"));
    driver.screenshot("serve-phone.png");
}
