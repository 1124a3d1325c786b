//! The end-to-end suite, one module per subject, built as one test binary.
//!
//! One binary rather than one per file: the suite links once instead of forty-five times,
//! which keeps a clean build's disk and time small (each test binary carries the whole
//! dependency tree), and `cargo test` spreads every test over the machine's threads instead
//! of waiting for the slowest test of each file. Run one subject with
//! `cargo test -p confab-e2e --test e2e widget_push::`.

mod agent_api;
mod assistant;
mod attachments;
mod body_limits;
mod console_auth;
mod console_inbox;
mod console_insights;
mod console_ui;
mod derived_facts;
mod email;
mod faults;
mod first_message;
mod forwarding;
mod images;
mod insights;
mod knowledge;
mod outbound_limits;
mod payloads;
mod push;
mod relay_bad_input;
mod relay_lifecycle;
mod relay_meter;
mod relay_openapi_conformance;
mod relay_threads;
mod resolution;
mod soak;
mod thread_properties;
mod wechat;
mod weight;
mod whatsapp;
mod whatsapp_media;
mod widget_accessibility;
mod widget_attachments;
mod widget_csp;
mod widget_email;
mod widget_first_tap;
mod widget_gallery;
mod widget_host_api;
mod widget_host_css;
mod widget_languages;
mod widget_live;
mod widget_notifications;
mod widget_page_still;
mod widget_phone;
mod widget_polish;
mod widget_privacy;
mod widget_push;
mod widget_rating;
mod widget_resume_prompt;
mod widget_tabs;
mod widget_thread_view;
mod widget_welcome;
