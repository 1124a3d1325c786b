//! The console's pages: components that take data and one `Callback<Intent>`.
//!
//! [`Page`] lays the page out (banner, navigation, main, live region); each page is its own
//! module.

mod inbox;
mod insights;
mod install;
mod marks;
mod members;
mod settings;
mod sign_in;
mod thread;

use crate::app::Intent;
use crate::route::Route;
use crate::state::{Auth, State};
use yew::prelude::*;

/// The whole page's settings.
#[derive(Properties, PartialEq)]
pub struct PageProps {
    /// Everything to show.
    pub state: UseReducerHandle<State>,
    /// Where the member's intents go.
    pub on_intent: Callback<Intent>,
}

/// The page: what the session and the route call for.
#[function_component(Page)]
pub fn page(props: &PageProps) -> Html {
    let state = &*props.state;
    let on_intent = &props.on_intent;
    let live = html! {
        <div class="visually-hidden" aria-live="polite" aria-atomic="true">
            { state.announcement.clone() }
        </div>
    };
    let me = match &state.auth {
        Auth::Checking => {
            return html! {
                <main id="main" class="centre"><p class="quiet">{ "Loading…" }</p></main>
            }
        }
        Auth::SignedOut(stage) => {
            return html! {
                <main id="main" class="centre">
                    <sign_in::SignIn stage={stage.clone()} notice={state.notice.clone()}
                        on_intent={on_intent.clone()} />
                </main>
            }
        }
        Auth::SignedIn(me) => me,
    };
    let owner = state.is_owner();
    let link = |route: Route, label: &'static str| {
        let current = match (&state.route, &route) {
            (Route::Thread(_), Route::Inbox) => true,
            (a, b) => a == b,
        };
        html! {
            <a href={route.hash()} aria-current={current.then_some("page")}>{ label }</a>
        }
    };
    let sign_out = on_intent.reform(|_: MouseEvent| Intent::SignOut);
    let body = match &state.route {
        Route::Inbox | Route::Thread(_) => html! {
            <div class={classes!("split", state.thread.is_some().then_some("has-thread"))}>
                <inbox::Inbox threads={state.threads.clone()} filter={state.filter.clone()}
                    listed={state.listed} live={state.inbox_live}
                    open={state.thread.as_ref().map(|thread| thread.id.clone())}
                    on_intent={on_intent.clone()} />
                if let Some(thread) = &state.thread {
                    <thread::Thread thread={thread.clone()} summary={state.open_summary().cloned()}
                        on_intent={on_intent.clone()} />
                } else {
                    <section class="pane empty-pane" aria-label="Conversation">
                        <p class="quiet">{ "Choose a conversation." }</p>
                    </section>
                }
            </div>
        },
        Route::Settings => html! {
            <settings::Settings form={state.settings.clone()} new_key={state.new_key.clone()}
                tests={state.connector_tests.clone()} on_intent={on_intent.clone()} />
        },
        Route::Install => html! {
            <install::Install brand={me.brand.as_str().to_string()} form={state.settings.clone()}
                preview={state.preview.clone()} on_intent={on_intent.clone()} />
        },
        Route::Insights => html! {
            <insights::InsightsView page={state.insights.clone()} on_intent={on_intent.clone()} />
        },
        Route::Members => html! {
            <members::Members members={state.members.clone()} me={me.member.email.clone()}
                on_intent={on_intent.clone()} />
        },
    };
    html! {
        <>
            <header class="bar">
                <span class="brand">{ me.brand_name.clone() }</span>
                <nav aria-label="Console">
                    { link(Route::Inbox, "Inbox") }
                    { link(Route::Insights, "Insights") }
                    if owner {
                        { link(Route::Settings, "Settings") }
                        { link(Route::Install, "Install") }
                        { link(Route::Members, "Members") }
                    }
                </nav>
                <span class="who">{ me.member.name.clone().unwrap_or_else(|| me.member.email.clone()) }</span>
                <button type="button" class="quiet-button" onclick={sign_out}>{ "Sign out" }</button>
            </header>
            <main id="main">
                if let Some(notice) = &state.notice {
                    <p class="notice" role="status">{ notice.clone() }</p>
                }
                { body }
                { live }
            </main>
        </>
    }
}

/// A timestamp (ms since the epoch) as the browser writes a short local date and time.
pub fn time(at: confab_protocol::Timestamp) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64));
    let today = js_sys::Date::new_0().to_date_string() == date.to_date_string();
    let options = js_sys::Object::new();
    let set = |key: &str, value: &str| {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    };
    set("hour", "2-digit");
    set("minute", "2-digit");
    if !today {
        set("month", "short");
        set("day", "numeric");
    }
    String::from(date.to_locale_string("en-GB", &options))
}

/// The text of an `<input>` or `<textarea>` an event came from.
pub fn value_of(event: &Event) -> String {
    use wasm_bindgen::JsCast;
    let target = event.target();
    if let Some(input) = target
        .clone()
        .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        return input.value();
    }
    if let Some(area) = target
        .clone()
        .and_then(|target| target.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
    {
        return area.value();
    }
    target
        .and_then(|target| target.dyn_into::<web_sys::HtmlSelectElement>().ok())
        .map(|select| select.value())
        .unwrap_or_default()
}

/// Whether the checkbox an event came from is checked.
pub fn checked_of(event: &Event) -> bool {
    use wasm_bindgen::JsCast;
    event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
        .is_some_and(|input| input.checked())
}
