//! Attachments in the widget (issue 15), in real Chromium against the real relay: a photo
//! picked with the paper-clip button and one pasted into the composer are sent and shown as
//! thumbnails in boxes of their final size, and reach the relay; a big photo is scaled down
//! to 2,048 px before it leaves the browser; an HTML page named `x.png` is refused with the
//! visitor's reason and nothing is sent; a file queued offline is sent once the network is
//! back; the image viewer opens and closes with Escape, giving focus back; axe finds nothing
//! with a thumbnail and a file chip shown.

use confab_e2e::fakes::telegram::SentFile;
use confab_e2e::world::World;
use confab_e2e::{eventually, widget_session, Browser};
use confab_protocol::Message;
use serde_json::Value;

/// Page JS: `makeFile(name, type, width, height, clear)` draws a picture (a gradient, so it
/// is not trivially small; with `clear`, its left quarter transparent) of that size and
/// resolves to a `File`; `pasteFiles(files)` pastes them
/// into the composer as a clipboard would.
const HELPERS: &str = "
    window.makeFile = async (name, type, width, height, clear) => {
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d');
      const gradient = context.createLinearGradient(0, 0, width, height);
      gradient.addColorStop(0, '#2563eb');
      gradient.addColorStop(1, '#f59e0b');
      context.fillStyle = gradient;
      context.fillRect(0, 0, width, height);
      if (clear) context.clearRect(0, 0, width / 4, height);
      const blob = await canvas.convertToBlob({ type });
      return new File([blob], name, { type });
    };
    window.pasteFiles = (files) => {
      const data = new DataTransfer();
      for (const file of files) data.items.add(file);
      const input = document.querySelector('confab-chat').shadowRoot.querySelector('.confab-input');
      input.focus();
      input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    };
";

/// Runs `script` (an async function body, with the helpers defined) and gives its value.
async fn run(browser: &Browser, script: &str) -> Value {
    browser
        .client
        .execute_async(
            &format!(
                "const done = arguments[arguments.length - 1];\
                 {HELPERS}\
                 (async () => {{ {script} }})().then(done, error => done('failed: ' + error));"
            ),
            Vec::new(),
        )
        .await
        .expect("the script runs")
}

/// Opens the widget on a fresh world and sends a first message, so the session is ready.
async fn ready() -> (World, Browser) {
    let world = World::start(&[]).await;
    let browser = Browser::start().await;
    browser.client.goto(&world.relay.url("/")).await.unwrap();
    browser.send_in_widget("Hello").await;
    browser.wait_for_messages(&["Hello"]).await;
    (world, browser)
}

/// Waits until the thread's history holds `count` messages and gives them.
async fn history(world: &World, browser: &Browser, count: usize) -> Vec<Message> {
    let session = widget_session(browser, &world.api, "demo").await;
    eventually(20, || async {
        let history = world.api.history(&session).await;
        if history.len() == count {
            Ok(history)
        } else {
            Err(format!(
                "{} messages in history, expected {count}",
                history.len()
            ))
        }
    })
    .await
}

/// The `[width, height]` attributes and rendered size of every acknowledged thumbnail.
async fn thumbnails(browser: &Browser) -> Vec<[f64; 4]> {
    let value = browser
        .eval(
            "const root = document.querySelector('confab-chat').shadowRoot;\
             return [...root.querySelectorAll('.confab-message[data-seq] .confab-thumb img')]\
               .map(img => { const r = img.getBoundingClientRect();\
                 return [+img.getAttribute('width'), +img.getAttribute('height'), r.width, r.height]; });",
        )
        .await;
    serde_json::from_value(value).unwrap_or_default()
}

async fn wait_for_thumbnails(browser: &Browser, count: usize) -> Vec<[f64; 4]> {
    eventually(20, || async {
        let shown = thumbnails(browser).await;
        if shown.len() == count {
            Ok(shown)
        } else {
            Err(format!("{shown:?} thumbnails shown, expected {count}"))
        }
    })
    .await
}

/// Waits until the team's Telegram topic and the brand's backend have each been sent the
/// files `names` (in any order, among others); gives the Telegram copies of those files.
async fn reached_the_team(world: &World, names: &[&str]) -> Vec<SentFile> {
    eventually(30, || async {
        let telegram: Vec<SentFile> = world
            .telegram
            .files()
            .into_iter()
            .filter(|file| names.contains(&file.file_name.as_str()))
            .collect();
        let backend: Vec<String> = world
            .backend
            .received()
            .into_iter()
            .filter(|received| received.event["type"] == "message.created")
            .flat_map(|received| {
                received.event["message"]["attachments"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|file| file["name"].as_str().map(str::to_string))
            .filter(|name| names.contains(&name.as_str()))
            .collect();
        if telegram.len() == names.len() && backend.len() == names.len() {
            Ok(telegram)
        } else {
            let sent: Vec<&str> = telegram
                .iter()
                .map(|file| file.file_name.as_str())
                .collect();
            Err(format!(
                "Telegram has {sent:?}, the backend {backend:?}, of {names:?}"
            ))
        }
    })
    .await
}

/// The picture `makeFile` draws, as PNG bytes, `width` × `height`.
async fn png(browser: &Browser, width: u32, height: u32) -> Vec<u8> {
    let bytes = run(
        browser,
        &format!(
            "const file = await makeFile('p.png', 'image/png', {width}, {height});\
             return [...new Uint8Array(await file.arrayBuffer())];"
        ),
    )
    .await;
    serde_json::from_value(bytes).expect("the PNG's bytes")
}

#[tokio::test]
async fn a_photo_from_the_file_button_is_sent_and_shown_in_its_final_box() {
    let (world, browser) = ready().await;
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("tent.png");
    let photo = png(&browser, 400, 300).await;
    std::fs::write(&path, &photo).unwrap();

    let input = browser
        .widget_element(".confab-attach input[type=file]")
        .await;
    input.send_keys(path.to_str().unwrap()).await.unwrap();
    // Staged above the composer, with a way to remove it.
    eventually(20, || async {
        let staged = browser.widget_texts(".confab-staged li").await;
        if staged.len() == 1 {
            Ok(())
        } else {
            Err(format!("{staged:?} staged"))
        }
    })
    .await;
    let label = browser
        .widget_eval(
            ".confab-staged .confab-remove",
            "el.getAttribute('aria-label')",
        )
        .await;
    assert_eq!(label, "Remove tent.png");
    browser.send_in_widget("The pole is broken").await;

    // Shown at once, then acknowledged: a thumbnail in a 240 × 180 box.
    let shown = wait_for_thumbnails(&browser, 1).await;
    assert_eq!(shown[0], [240.0, 180.0, 240.0, 180.0], "{shown:?}");
    assert!(browser.widget_texts(".confab-staged li").await.is_empty());
    let alt = browser
        .widget_eval(
            ".confab-message[data-seq] .confab-thumb img",
            "[el.alt, el.loading]",
        )
        .await;
    assert_eq!(alt, serde_json::json!(["tent.png", "lazy"]));
    assert!(browser.pending_messages().await.is_empty());

    let history = history(&world, &browser, 2).await;
    let message = &history[1];
    assert_eq!(message.text, "The pole is broken");
    assert_eq!(message.attachments.len(), 1, "{message:?}");
    let file = &message.attachments[0];
    assert_eq!(
        (
            file.name.as_str(),
            file.content_type.as_str(),
            file.width,
            file.height
        ),
        ("tent.png", "image/png", Some(400), Some(300))
    );
    // The team has it: the photo in its Telegram topic (its bytes exactly, the text as its
    // caption), and the metadata at its backend.
    let sent = reached_the_team(&world, &["tent.png"]).await;
    assert_eq!(
        (sent[0].method.as_str(), sent[0].caption.as_deref()),
        ("sendPhoto", Some("The pole is broken"))
    );
    assert!(sent[0].bytes == photo, "the photo's bytes, unchanged");

    // The viewer: opened by the thumbnail, focus inside; Escape closes it and gives focus
    // back, and the panel stays open.
    browser
        .widget_element(".confab-message[data-seq] .confab-thumb")
        .await
        .click()
        .await
        .unwrap();
    let focused = eventually(20, || async {
        let value = browser
            .eval(
                "const root = document.querySelector('confab-chat').shadowRoot;\
                 const dialog = root.querySelector('dialog.confab-viewer');\
                 return dialog && dialog.open ? root.activeElement.className : null;",
            )
            .await;
        value
            .as_str()
            .map(str::to_string)
            .ok_or("no open viewer".to_string())
    })
    .await;
    assert!(
        focused.contains("confab-viewer-close"),
        "focus on {focused}"
    );
    browser.save_screenshot("attachments-viewer").await;
    browser
        .client
        .active_element()
        .await
        .unwrap()
        .send_keys(&String::from(char::from(fantoccini::key::Key::Escape)))
        .await
        .unwrap();
    eventually(20, || async {
        let value = browser
            .eval(
                "const root = document.querySelector('confab-chat').shadowRoot;\
                 return [root.querySelector('dialog.confab-viewer').open,\
                   root.activeElement && root.activeElement.className,\
                   !!root.querySelector('.confab-panel')];",
            )
            .await;
        if value == serde_json::json!([false, "confab-thumb", true]) {
            Ok(())
        } else {
            Err(format!("after Escape: {value}"))
        }
    })
    .await;
}

#[tokio::test]
async fn pasted_files_are_sent_big_photos_scaled_and_a_disguised_page_refused() {
    let (world, browser) = ready().await;

    // A pasted screenshot and a PDF, without text.
    let pasted = run(
        &browser,
        "const photo = await makeFile('screenshot.png', 'image/png', 120, 90);\
         const pdf = new File(['%PDF-1.4\\n1 0 obj\\n<< /Type /Catalog >>\\nendobj\\ntrailer\\n<< /Root 1 0 R >>\\n%%EOF\\n'],\
           'order.pdf', { type: 'application/pdf' });\
         pasteFiles([photo, pdf]); return true;",
    )
    .await;
    assert_eq!(pasted, Value::Bool(true));
    browser.widget_element(".confab-staged li + li").await;
    browser
        .widget_element(".confab-input")
        .await
        .send_keys(&String::from(char::from(fantoccini::key::Key::Enter)))
        .await
        .unwrap();
    let shown = wait_for_thumbnails(&browser, 1).await;
    assert_eq!(shown[0][..2], [120.0, 90.0], "never scaled up: {shown:?}");
    let chip = eventually(20, || async {
        let chips = browser
            .widget_texts(".confab-message[data-seq] a.confab-file")
            .await;
        chips.first().cloned().ok_or("no file chip".to_string())
    })
    .await;
    assert!(
        chip.starts_with("order.pdf") && chip.ends_with("pdf · 1 KB"),
        "{chip:?}"
    );
    let history_now = history(&world, &browser, 2).await;
    let names: Vec<&str> = history_now[1]
        .attachments
        .iter()
        .map(|file| file.name.as_str())
        .collect();
    assert_eq!(names, ["screenshot.png", "order.pdf"]);
    assert_eq!(history_now[1].text, "");
    let mut sent: Vec<(String, String)> = reached_the_team(&world, &names)
        .await
        .into_iter()
        .map(|file| (file.file_name, file.method))
        .collect();
    sent.sort();
    assert_eq!(
        sent,
        [
            ("order.pdf".to_string(), "sendDocument".to_string()),
            ("screenshot.png".to_string(), "sendPhoto".to_string())
        ]
    );

    // Accessible with a thumbnail and a chip shown.
    assert_eq!(browser.axe_violations().await, Vec::<String>::new());

    // A 3,000 × 2,000 photo leaves the browser at 2,048 px, as a JPEG; what was transparent
    // in it is white (JPEG has none), not black.
    run(
        &browser,
        "pasteFiles([await makeFile('big.png', 'image/png', 3000, 2000, true)]); return true;",
    )
    .await;
    browser.widget_element(".confab-staged li").await;
    browser.send_in_widget("Big one").await;
    let history_now = history(&world, &browser, 3).await;
    let file = &history_now[2].attachments[0];
    assert_eq!(
        (
            file.name.as_str(),
            file.content_type.as_str(),
            file.width,
            file.height
        ),
        ("big.jpg", "image/jpeg", Some(2048), Some(1365))
    );
    wait_for_thumbnails(&browser, 2).await;
    let corner = run(
        &browser,
        "const root = document.querySelector('confab-chat').shadowRoot;\
         const img = [...root.querySelectorAll('.confab-message[data-seq] .confab-thumb img')].pop();\
         await img.decode();\
         const canvas = new OffscreenCanvas(img.naturalWidth, img.naturalHeight);\
         const context = canvas.getContext('2d');\
         context.drawImage(img, 0, 0);\
         return [...context.getImageData(20, 20, 1, 1).data];",
    )
    .await;
    let corner: Vec<u8> =
        serde_json::from_value(corner.clone()).unwrap_or_else(|_| panic!("{corner}"));
    assert!(
        corner[..3].iter().all(|&c| c > 240),
        "the transparent corner is {corner:?}"
    );

    // An HTML page named x.png: refused, told in the visitor's words, nothing sent; the
    // visitor removes it.
    run(
        &browser,
        "pasteFiles([new File(['<!doctype html><html><body><script>alert(1)</script></body></html>'],\
           'x.png', { type: 'image/png' })]); return true;",
    )
    .await;
    browser.widget_element(".confab-staged li").await;
    browser.send_in_widget("Look").await;
    let reason = eventually(20, || async {
        let texts = browser
            .widget_texts(".confab-pending .confab-failure")
            .await;
        texts.first().cloned().ok_or("no failure shown".to_string())
    })
    .await;
    assert_eq!(reason, "This type of file can't be sent.");
    let session = widget_session(&browser, &world.api, "demo").await;
    assert_eq!(world.api.history(&session).await.len(), 3, "nothing sent");
    browser
        .widget_element(".confab-pending .confab-cancel")
        .await
        .click()
        .await
        .unwrap();
    eventually(20, || async {
        let pending = browser.widget_texts(".confab-pending").await;
        if pending.is_empty() {
            Ok(())
        } else {
            Err(format!("{pending:?} still pending"))
        }
    })
    .await;
    assert_eq!(world.api.history(&session).await.len(), 3);

    // Eleven files at once: ten are staged, and the composer says the eleventh was left out.
    run(
        &browser,
        "const files = [];\
         for (let n = 0; n < 11; n++) files.push(await makeFile(`f${n}.png`, 'image/png', 8, 8));\
         pasteFiles(files); return true;",
    )
    .await;
    let note = eventually(20, || async {
        let note = browser.widget_texts(".confab-files-note").await;
        note.first().cloned().ok_or("no note".to_string())
    })
    .await;
    assert_eq!(
        note,
        "Up to 10 files go in one message: the others were left out."
    );
    assert_eq!(browser.widget_texts(".confab-staged li").await.len(), 10);
}

/// How many files the widget keeps in IndexedDB for its outbox.
async fn kept_files(browser: &Browser) -> Value {
    run(
        browser,
        "const open = indexedDB.open('confab-files', 1);\
         open.onupgradeneeded = () => open.result.createObjectStore('files');\
         const db = await new Promise((ok, fail) => { open.onsuccess = () => ok(open.result); open.onerror = fail; });\
         const count = db.transaction('files').objectStore('files').count();\
         const n = await new Promise(ok => count.onsuccess = () => ok(count.result));\
         db.close(); return n;",
    )
    .await
}

#[tokio::test]
async fn a_file_queued_offline_survives_a_reload_and_arrives_once() {
    let (world, browser) = ready().await;
    browser.set_offline(true).await;
    run(
        &browser,
        "pasteFiles([await makeFile('offline.png', 'image/png', 200, 100)]); return true;",
    )
    .await;
    browser.widget_element(".confab-staged li").await;
    browser.send_in_widget("Sent from the tent").await;
    browser
        .widget_element(".confab-pending[data-state=waiting]")
        .await;
    assert_eq!(kept_files(&browser).await, 1);

    // Back on the network but the uploads still blocked: the page reloads, and the message
    // and its file are still waiting.
    browser
        .cdp(
            "Network.setBlockedURLs",
            serde_json::json!({ "urls": ["*/uploads*"] }),
        )
        .await;
    browser.set_offline(false).await;
    browser.client.refresh().await.unwrap();
    browser.open_panel().await;
    browser
        .widget_element(".confab-pending[data-state=waiting]")
        .await;
    assert_eq!(browser.pending_messages().await, ["Sent from the tent"]);
    assert_eq!(kept_files(&browser).await, 1);

    // Unblocked, it goes once, with its file, and the browser forgets the bytes.
    browser
        .cdp("Network.setBlockedURLs", serde_json::json!({ "urls": [] }))
        .await;
    browser
        .eval("window.dispatchEvent(new Event('online')); return true;")
        .await;
    let history = history(&world, &browser, 2).await;
    assert_eq!(history[1].text, "Sent from the tent");
    assert_eq!(history[1].attachments.len(), 1);
    assert_eq!(history[1].attachments[0].name, "offline.png");
    wait_for_thumbnails(&browser, 1).await;
    eventually(20, || async {
        let pending = browser.pending_messages().await;
        let kept = kept_files(&browser).await;
        if pending.is_empty() && kept == 0 {
            Ok(())
        } else {
            Err(format!("{pending:?} pending, {kept} kept"))
        }
    })
    .await;
    // Nothing more arrives.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(history_len(&world, &browser).await, 2);
}

async fn history_len(world: &World, browser: &Browser) -> usize {
    let session = widget_session(browser, &world.api, "demo").await;
    world.api.history(&session).await.len()
}
