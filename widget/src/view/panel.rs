//! The chat panel: header, messages and composer.

use super::{
    composer, email_state, link_sheet, quick_replies, rating, reach_form, resume_prompt, show_qr,
    ComposerProps, Intent, LinkSheetProps, MessageList,
};
use crate::i18n::{fill, Texts};
use crate::state::{Connection, State};
use confab_protocol::{BusinessHours, LinkPurpose};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// The panel's data.
#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// The strings of the widget's language.
    pub texts: &'static Texts,
    /// The relay's origin, which the brand's logo and team members' pictures come from.
    pub relay: AttrValue,
    /// Everything the widget shows.
    pub state: UseReducerHandle<State>,
    /// Where the visitor left the message list on the last page.
    pub initial_scroll: Option<i32>,
    /// Whether the visitor just opened the panel (then the composer takes focus; a panel
    /// reopened by page navigation leaves focus where the page put it).
    pub take_focus: bool,
    /// What the visitor asks for.
    pub on_intent: Callback<Intent>,
}

/// The open chat.
#[function_component(Panel)]
pub fn panel(props: &PanelProps) -> Html {
    let (texts, state) = (props.texts, &*props.state);
    let brand = state.session.as_ref().map(|session| &session.brand);
    let title = brand
        .map(|brand| brand.name.as_str())
        .filter(|name| !name.is_empty())
        .unwrap_or(texts.chat);
    // The privacy notice shows until the visitor accepts it (only in an empty thread).
    let consent = brand
        .and_then(|brand| brand.consent.as_ref())
        .filter(|_| state.needs_consent());
    let whatsapp = brand.is_some_and(|brand| brand.whatsapp);
    // Replies by email are offered while the thread has no address yet, push while this
    // browser could but does not push for the thread.
    let email = state
        .session
        .as_ref()
        .and_then(|session| session.email.as_ref());
    let offer_email = brand.is_some_and(|brand| brand.email) && email.is_none();
    let offer_push = state.push == Some(false);
    // Offered at once while the team is away, else once the visitor's message has waited
    // the brand's while.
    let offer_due = state
        .waiting_since()
        .zip(brand)
        .map(|(since, brand)| since.saturating_add(u64::from(brand.reach_offer_seconds) * 1000));
    let logo = brand.and_then(|brand| image_url(&props.relay, brand.logo_url.as_deref()?));
    // The team's state: online within business hours (or always, without them), else away
    // until the next opening, told in the visitor's time zone and language. It changes on
    // a minute, so while the brand has hours the header is drawn again at each minute's turn
    // (and when the offer to reach the visitor later falls due).
    let minute = use_state(|| 0u32);
    let now = js_sys::Date::now() as u64;
    {
        let minute = minute.clone();
        let has_hours = brand.is_some_and(|brand| brand.business_hours.is_some());
        let due = offer_due.filter(|due| *due > now);
        use_effect_with((has_hours, due, *minute), move |&(has_hours, due, tick)| {
            let alive = std::rc::Rc::new(std::cell::Cell::new(true));
            let now = js_sys::Date::now() as u64;
            let turn = has_hours.then(|| 60_000 - now % 60_000);
            if let Some(wait) = turn
                .into_iter()
                .chain(due.map(|due| due.saturating_sub(now)))
                .min()
            {
                let alive = alive.clone();
                let wait = wait.min(60_000) as u32;
                wasm_bindgen_futures::spawn_local(async move {
                    crate::live::sleep(wait).await;
                    if alive.get() {
                        minute.set(tick.wrapping_add(1));
                    }
                });
            }
            move || alive.set(false)
        });
    }
    let away_until = brand.and_then(|brand| away_until(brand.business_hours.as_ref()?, texts));
    // The brand's own figure when it shows one, else the general promise.
    let replies = match brand.and_then(|brand| brand.expected_reply_minutes) {
        Some(minutes @ 0..60) => fill(texts.replies_minutes, &minutes.max(1).to_string()),
        Some(minutes @ 60..1440) => fill(texts.replies_hours, &minutes.div_ceil(60).to_string()),
        Some(_) => texts.replies_day.into(),
        None => texts.replies_soon.into(),
    };
    let mut presence = String::new();
    for part in match &away_until {
        None => [texts.online, " · ", replies.as_str()],
        Some(back) if back.is_empty() => [texts.away, "", ""],
        Some(back) => [texts.away, " · ", back.as_str()],
    } {
        presence.push_str(part);
    }
    let away_message = brand
        .filter(|_| away_until.is_some())
        .and_then(|brand| brand.away_message.clone())
        .filter(|text| !text.is_empty());
    // The messaging apps the thread is linked to, and until when answers reach it there.
    let session = state.session.as_ref();
    let linked = [
        session
            .and_then(|session| session.whatsapp.as_ref())
            .map(|window| (texts.linked_whatsapp, window.window_ends_at.0)),
        session
            .and_then(|session| session.wechat.as_ref())
            .map(|window| (texts.linked_wechat, window.window_ends_at.0)),
    ];
    let notice = match &state.connection {
        // No session starts while a resume link waits for the visitor's answer.
        _ if state.resume_prompt => None,
        Connection::Connecting => Some(texts.connecting),
        Connection::Ready | Connection::Live => None,
        Connection::Failed(_) => Some(texts.unreachable),
    };
    let menu_open = use_state(|| false);
    let toggle_menu = {
        let menu_open = menu_open.clone();
        Callback::from(move |_: MouseEvent| menu_open.set(!*menu_open))
    };
    let menu_item = |intent: Intent| {
        let (on_intent, menu_open) = (props.on_intent.clone(), menu_open.clone());
        Callback::from(move |_: MouseEvent| {
            menu_open.set(false);
            on_intent.emit(intent.clone());
        })
    };
    // "Continue on WeChat" comes first for a Chinese-speaking visitor, after WhatsApp for
    // the others.
    let (mut wechat_first, mut wechat_last) = (Html::default(), Html::default());
    if brand.is_some_and(|brand| brand.wechat) {
        let item = html! {
            <button type="button" class="confab-continue-wechat"
                onclick={menu_item(Intent::Continue(LinkPurpose::Wechat))}>
                { texts.continue_wechat }
            </button>
        };
        match texts.code.starts_with("zh") {
            true => wechat_first = item,
            false => wechat_last = item,
        }
    }
    let panel = use_node_ref();
    {
        // On phones the panel fills the visual viewport (see widget.css).
        let panel = panel.clone();
        use_effect_with((), move |_| {
            let tracker = panel
                .cast::<web_sys::HtmlElement>()
                .and_then(crate::live::ViewportTracker::new);
            move || drop(tracker)
        });
    }
    {
        // A resume link's question takes focus, whoever opened the panel: it must be
        // answered before the visitor can write.
        let panel = panel.clone();
        use_effect_with(
            (props.take_focus, state.resume_prompt),
            move |&(take_focus, ask)| {
                if ask {
                    focus_first(&panel, ".confab-resume-keep");
                } else if take_focus {
                    focus_first(&panel, "textarea");
                }
            },
        );
    }
    let qr = use_node_ref();
    {
        let qr = qr.clone();
        let svg = state.link.as_ref().map(|(_, link)| link.qr_svg.clone());
        use_effect_with(svg, move |svg| {
            if let Some(svg) = svg {
                show_qr(&qr, svg);
            }
        });
    }
    let onkeydown = {
        let (panel, on_intent) = (panel.clone(), props.on_intent.clone());
        Callback::from(move |event: KeyboardEvent| match event.key().as_str() {
            "Escape" => {
                event.prevent_default();
                on_intent.emit(Intent::Close);
            }
            "Tab" => keep_focus_inside(&panel, &event),
            _ => {}
        })
    };
    // Files dragged over the panel: it is highlighted (an attribute set on the element
    // itself: state would render the whole panel again at each move), and a drop stages
    // them.
    let can_drop = !state.resume_prompt && consent.is_none();
    let highlight = |panel: &NodeRef, on: bool| {
        if let Some(panel) = panel.cast::<web_sys::Element>() {
            let _ = match on {
                true => panel.set_attribute("data-drop", ""),
                false => panel.remove_attribute("data-drop"),
            };
        }
    };
    let ondragover = {
        let panel = panel.clone();
        Callback::from(move |event: DragEvent| {
            if can_drop {
                // Without this the browser opens the file in place of the page.
                event.prevent_default();
                highlight(&panel, true);
            }
        })
    };
    // Leaving for one of the panel's own children counts too, but `dragover` follows at
    // once (and keeps following while files are over the panel).
    let ondragleave = {
        let panel = panel.clone();
        Callback::from(move |_: DragEvent| highlight(&panel, false))
    };
    let ondrop = {
        let (panel, on_intent) = (panel.clone(), props.on_intent.clone());
        Callback::from(move |event: DragEvent| {
            highlight(&panel, false);
            let files =
                super::attachments::files_of(event.data_transfer().and_then(|data| data.files()));
            // Dropped text is left to the text box; files never open in place of the page.
            if !files.is_empty() {
                event.prevent_default();
                if can_drop {
                    on_intent.emit(Intent::Files(files));
                }
            }
        })
    };
    html! {
        <section
            class="confab-panel"
            role="dialog"
            aria-label={format!("{} {title}", texts.chat_with)}
            ref={panel}
            {onkeydown}
            {ondragover}
            {ondragleave}
            {ondrop}
        >
            <div class="confab-header">
                if let Some(logo) = logo {
                    <img class="confab-avatar confab-brand-avatar" src={logo} alt="" />
                } else if brand.is_some() {
                    <span class="confab-avatar confab-brand-avatar" aria-hidden="true"
                        data-hue={super::message_list::hue(title)}>
                        { super::message_list::initials(title) }
                    </span>
                }
                <div class="confab-heading">
                    <h2 class="confab-title">{ title }</h2>
                    if brand.is_some() {
                        <p class="confab-presence"
                            data-state={if away_until.is_some() { "away" } else { "online" }}>
                            { presence }
                        </p>
                    }
                </div>
                <button
                    type="button"
                    class="confab-menu-button"
                    aria-label={texts.more_options}
                    aria-haspopup="true"
                    aria-expanded={menu_open.to_string()}
                    onclick={toggle_menu}
                />
                <button
                    type="button"
                    class="confab-close"
                    aria-label={texts.close_chat}
                    onclick={props.on_intent.reform(|_: MouseEvent| Intent::Close)}
                />
            </div>
            if *menu_open {
                <div class="confab-menu">
                    <button type="button" class="confab-download" onclick={menu_item(Intent::Download)}>
                        { texts.download_transcript }
                    </button>
                    <button type="button" class="confab-sound" onclick={menu_item(Intent::ToggleSound)}>
                        { if state.sound { texts.sound_off } else { texts.sound_on } }
                    </button>
                    if crate::notify::can_ask() || offer_push {
                        <button type="button" class="confab-notify" onclick={menu_item(Intent::Notify)}>
                            { texts.notify_me }
                        </button>
                    }
                    { wechat_first }
                    if whatsapp {
                        <button type="button" class="confab-continue-whatsapp"
                            onclick={menu_item(Intent::Continue(LinkPurpose::Whatsapp))}>
                            { texts.continue_whatsapp }
                        </button>
                    }
                    { wechat_last }
                    if offer_email {
                        <button type="button" class="confab-email-menu"
                            onclick={menu_item(Intent::ReachForm(true))}>
                            { texts.email_menu }
                        </button>
                    }
                    <button type="button" class="confab-continue-device"
                        onclick={menu_item(Intent::Continue(LinkPurpose::Device))}>
                        { texts.continue_device }
                    </button>
                    <button type="button" class="confab-delete" onclick={menu_item(Intent::Delete)}>
                        { texts.delete_conversation }
                    </button>
                </div>
            }
            if let Some(link) = &state.link {
                { link_sheet(LinkSheetProps { link, qr: &qr, on_intent: &props.on_intent }, texts) }
            }
            for (app, until) in linked.into_iter().flatten() {
                <p class="confab-linked">
                    { app }{ " " }{ texts.window_until }{ " " }
                    { super::message_list::day_label(until, texts) }{ " " }
                    { super::message_list::clock(until) }
                </p>
            }
            if let Some(status) = email {
                { email_state(status, &props.on_intent, texts) }
            }
            if state.push == Some(true) {
                <p class="confab-linked" role="status">{ texts.push_done }</p>
            }
            if let Some(notice) = notice {
                <p class="confab-notice" role="status">{ notice }</p>
            }
            <MessageList
                {texts}
                messages={state.messages.clone()}
                outbox={state.outbox.clone()}
                sending={state.sending.clone()}
                first_unread={state.first_unread}
                initial_scroll={props.initial_scroll}
                relay={props.relay.clone()}
                brand={brand.cloned()}
                away={away_message}
                can_write={!state.resume_prompt && consent.is_none()}
                on_intent={props.on_intent.clone()}
            />
            if state.team_typing {
                <p class="confab-typing" role="status">{ texts.typing }</p>
            }
            // Not twice: a quick reply may offer the same (its words hand over too).
            if state.bot_answering() && !state.quick_replies().iter().any(|reply| reply == texts.talk_to_person) {
                <button type="button" class="confab-email-offer confab-handoff"
                    onclick={props.on_intent.reform(|_: MouseEvent| Intent::Handoff)}>
                    { texts.talk_to_person }
                </button>
            }
            { quick_replies(state.quick_replies(), &props.on_intent, texts) }
            if let Some(prompt) = state.rating_prompt() {
                { rating(prompt, &props.on_intent, texts) }
            }
            // Under the thread, where the visitor looks while waiting.
            if state.reach_form && (offer_email || offer_push) {
                { reach_form((offer_email, offer_push), state.reach_problem, &props.on_intent, texts) }
            } else if (offer_email || offer_push)
                && (away_until.is_some() || offer_due.is_some_and(|due| due <= now))
            {
                // Email opens the sheet (which also offers push); push alone asks at once.
                <button type="button" class="confab-email-offer"
                    onclick={props.on_intent.reform(move |_: MouseEvent| match offer_email {
                        true => Intent::ReachForm(true),
                        false => Intent::Notify,
                    })}>
                    { if offer_email { texts.email_menu } else { texts.notify_me } }
                </button>
            }
            if state.resume_prompt {
                { resume_prompt(state, &props.on_intent, texts) }
            } else if let Some(consent) = consent {
                <div class="confab-consent">
                    <p>
                        { &consent.text }{ " " }
                        <a href={consent.privacy_url.clone()} target="_blank" rel="noopener noreferrer">
                            { texts.privacy_policy }
                        </a>
                    </p>
                    <button
                        type="button"
                        class="confab-consent-accept"
                        onclick={props.on_intent.reform(|_: MouseEvent| Intent::Consent)}
                    >
                        { texts.consent_accept }
                    </button>
                </div>
            } else {
                { composer(ComposerProps {
                    draft: &state.draft,
                    staged: &state.staged,
                    files_left_out: state.files_left_out,
                    on_intent: &props.on_intent,
                }, texts) }
            }
        </section>
    }
}

/// When the team is back, in the visitor's words ("back tomorrow at 9:00 AM"), if it is
/// away now; `None` while it is open. Hours in a time zone the browser does not know count
/// as always open.
fn away_until(hours: &BusinessHours, texts: &Texts) -> Option<String> {
    use super::message_list::local_day;
    // In whole milliseconds: `%` of floats would compile a `fmod` into the widget.
    let now = js_sys::Date::now() as u64;
    let (weekday, minute) = zoned_now(&hours.time_zone, now as f64)?;
    let wait = match hours.minutes_until_open(weekday, minute) {
        Some(0) => return None,
        Some(minutes) => minutes,
        // Hours without a single opening: away, with no time to tell.
        None => return Some(String::new()),
    };
    // The opening's instant: the current minute's start, plus the wait.
    let back = now - now % 60_000 + u64::from(wait) * 60_000;
    let date = js_sys::Date::new(&(back as f64).into());
    let options = js_sys::Object::new();
    let set = |key: &str, value: &str| {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    };
    set("hour", "numeric");
    set("minute", "2-digit");
    let days = local_day(back).saturating_sub(local_day(now));
    let template = match days {
        0 => texts.back_today,
        1 => texts.back_tomorrow,
        _ => {
            set("weekday", "long");
            texts.back_on
        }
    };
    let when: String = date.to_locale_string(texts.code, &options).into();
    Some(crate::i18n::fill(template, &when))
}

/// The ISO weekday (1 = Monday) and minute of the day now in the IANA `zone`, by the
/// browser's own time-zone data; `None` for a zone it does not know.
fn zoned_now(zone: &str, now: f64) -> Option<(u8, u32)> {
    use js_sys::{Array, Object, Reflect};
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor: js_sys::Function = Reflect::get(&intl, &"DateTimeFormat".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let options = Object::new();
    for (key, value) in [
        ("timeZone", zone),
        ("weekday", "short"),
        ("hour", "numeric"),
        ("minute", "numeric"),
        ("hourCycle", "h23"),
    ] {
        Reflect::set(&options, &key.into(), &value.into()).ok()?;
    }
    // Constructed by reflection: an unknown zone throws, and is caught here.
    let format: js_sys::Intl::DateTimeFormat =
        Reflect::construct(&constructor, &Array::of2(&"en-US".into(), &options))
            .ok()?
            .unchecked_into();
    let (mut weekday, mut hour, mut minute) = (None, None, None);
    for part in format
        .format_to_parts(&js_sys::Date::new(&now.into()))
        .iter()
    {
        let field = |name: &str| Reflect::get(&part, &name.into()).ok()?.as_string();
        let value = field("value").unwrap_or_default();
        match field("type").as_deref() {
            Some("weekday") => {
                weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                    .iter()
                    .position(|day| *day == value)
            }
            Some("hour") => hour = number(&value),
            Some("minute") => minute = number(&value),
            _ => {}
        }
    }
    Some((weekday? as u8 + 1, (hour? % 24) * 60 + minute?))
}

/// The number a string of ASCII digits writes.
fn number(digits: &str) -> Option<u32> {
    digits.bytes().try_fold(0u32, |number, digit| {
        digit
            .is_ascii_digit()
            .then(|| number * 10 + u32::from(digit - b'0'))
    })
}

/// What can take focus inside the panel, in document order.
const FOCUSABLE: &str = "button:not([disabled]), textarea, [tabindex=\"0\"]";

fn focusable(panel: &NodeRef, selector: &str) -> Vec<web_sys::HtmlElement> {
    let Some(panel) = panel.cast::<web_sys::Element>() else {
        return Vec::new();
    };
    let Ok(nodes) = panel.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..nodes.length())
        .filter_map(|index| nodes.get(index))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        .collect()
}

fn focus_first(panel: &NodeRef, selector: &str) {
    if let Some(element) = focusable(panel, selector).first() {
        let _ = element.focus();
    }
}

/// Tab from the last control goes to the first, Shift+Tab from the first to the last:
/// focus stays in the open panel until Esc or the close button.
fn keep_focus_inside(panel: &NodeRef, event: &KeyboardEvent) {
    let controls = focusable(panel, FOCUSABLE);
    let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
        return;
    };
    let target = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlElement>().ok());
    let wrap_to = match target {
        Some(target) if event.shift_key() && &target == first => last,
        Some(target) if !event.shift_key() && &target == last => first,
        _ => return,
    };
    event.prevent_default();
    let _ = wrap_to.focus();
}

/// A picture the relay serves: its signed path (`/v1/images?…`) on the relay's origin.
/// Anything else is not shown: the visitor's browser fetches pictures from the relay only.
pub(crate) fn image_url(relay: &str, path: &str) -> Option<String> {
    path.starts_with("/v1/images?")
        .then(|| format!("{relay}{path}"))
}
