//! The team: who is in it, inviting and removing members, and "Sign out everywhere".

use super::value_of;
use crate::app::Intent;
use confab_protocol::console::{Member, NewMember, Role};
use yew::prelude::*;

/// The members page's settings.
#[derive(Properties, PartialEq)]
pub struct MembersProps {
    /// The team, once loaded.
    pub members: Option<Vec<Member>>,
    /// The signed-in member's address.
    pub me: String,
    /// Where intents go.
    pub on_intent: Callback<Intent>,
}

/// The members page.
#[function_component(Members)]
pub fn members(props: &MembersProps) -> Html {
    let email = use_state(String::new);
    let name = use_state(String::new);
    let role = use_state(|| Role::Agent);
    let on_intent = &props.on_intent;
    let on_submit = {
        let (email, name, role, on_intent) =
            (email.clone(), name.clone(), role.clone(), on_intent.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let trimmed = name.trim().to_string();
            on_intent.emit(Intent::Invite(NewMember {
                email: email.trim().to_string(),
                name: (!trimmed.is_empty()).then_some(trimmed),
                role: *role,
            }));
            email.set(String::new());
            name.set(String::new());
        })
    };
    let set = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |event: InputEvent| state.set(value_of(&event)))
    };
    let on_role = {
        let role = role.clone();
        Callback::from(move |event: Event| {
            role.set(match value_of(&event).as_str() {
                "owner" => Role::Owner,
                _ => Role::Agent,
            })
        })
    };
    html! {
        <section class="page" aria-labelledby="members-title">
            <h1 id="members-title">{ "Members" }</h1>
            { match &props.members {
                None => html! { <p class="quiet">{ "Loading…" }</p> },
                Some(members) => html! {
                    <table class="members">
                        <caption class="visually-hidden">{ "The team" }</caption>
                        <thead><tr><th scope="col">{ "Email" }</th><th scope="col">{ "Name" }</th><th scope="col">{ "Role" }</th><th scope="col"><span class="visually-hidden">{ "Actions" }</span></th></tr></thead>
                        <tbody>
                            { for members.iter().map(|member| {
                                let email = member.email.clone();
                                html! {
                                    <tr>
                                        <td>{ member.email.clone() }</td>
                                        <td>{ member.name.clone().unwrap_or_default() }</td>
                                        <td>{ match member.role { Role::Owner => "Owner", _ => "Agent" } }</td>
                                        <td>
                                            if member.email != props.me {
                                                <button type="button" aria-label={format!("Remove {}", member.email)}
                                                    onclick={on_intent.reform(move |_: MouseEvent| Intent::Remove(email.clone()))}>{ "Remove" }</button>
                                            }
                                        </td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                },
            } }
            <form class="card stack" onsubmit={on_submit} aria-labelledby="invite-title">
                <h2 id="invite-title">{ "Invite someone" }</h2>
                <label for="invite-email">{ "Email" }</label>
                <input id="invite-email" type="email" required=true value={(*email).clone()} oninput={set(&email)} />
                <label for="invite-name">{ "Name (shown on their replies)" }</label>
                <input id="invite-name" type="text" value={(*name).clone()} oninput={set(&name)} />
                <label for="invite-role">{ "Role" }</label>
                <select id="invite-role" onchange={on_role}>
                    <option value="agent" selected={*role != Role::Owner}>{ "Agent: the inbox" }</option>
                    <option value="owner" selected={*role == Role::Owner}>{ "Owner: also settings and members" }</option>
                </select>
                <button type="submit" class="primary">{ "Send the invitation" }</button>
            </form>
            <section class="card" aria-labelledby="sessions-title">
                <h2 id="sessions-title">{ "Your sessions" }</h2>
                <p>{ "Signed in on a computer you no longer use? End every session of yours, here included." }</p>
                <button type="button" onclick={on_intent.reform(|_: MouseEvent| Intent::SignOutEverywhere)}>{ "Sign out everywhere" }</button>
            </section>
        </section>
    }
}
