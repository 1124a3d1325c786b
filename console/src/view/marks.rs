//! Small marks shared by the list and the thread: channels, and a message's ticks.

use confab_protocol::{Channel, DeliveryStatus};
use yew::prelude::*;

/// A channel's name.
pub fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Web => "Web",
        Channel::Whatsapp => "WhatsApp",
        Channel::Telegram => "Telegram",
        Channel::Api => "API",
        Channel::Wechat => "WeChat",
        Channel::Email => "Email",
        Channel::Console => "Console",
        Channel::Unknown => "Other",
    }
}

/// Every channel a filter may name.
pub const CHANNELS: [Channel; 7] = [
    Channel::Web,
    Channel::Whatsapp,
    Channel::Telegram,
    Channel::Wechat,
    Channel::Email,
    Channel::Api,
    Channel::Console,
];

/// A channel's mark.
pub fn channel(channel: Channel) -> Html {
    html! { <span class={classes!("mark", "channel")}>{ channel_name(channel) }</span> }
}

/// A team message's ticks, with words for screen readers and a tooltip.
pub fn ticks(status: DeliveryStatus) -> Html {
    let (marks, words) = match status {
        DeliveryStatus::Sent => ("✓", "Sent"),
        DeliveryStatus::Delivered => ("✓✓", "Delivered"),
        DeliveryStatus::Read => ("✓✓", "Read"),
        DeliveryStatus::Failed => ("!", "Not delivered"),
        DeliveryStatus::Unknown => ("", ""),
    };
    let read = (status == DeliveryStatus::Read).then_some("read");
    html! {
        <span class={classes!("ticks", read)} title={words}>
            <span aria-hidden="true">{ marks }</span>
            <span class="visually-hidden">{ words }</span>
        </span>
    }
}
