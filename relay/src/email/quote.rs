//! What the visitor wrote in a reply email, without the history their mail client quoted
//! below it or the signature under it.
//!
//! The reply is cut at the first line that opens a quoted history — "On … wrote:" (also
//! wrapped over two lines), "Am … schrieb …:", the Chinese clients' "在 … 写道：", Outlook's
//! "-----Original Message-----" or its "From:/Sent:" block (and the Chinese "发件人：/发送时间："
//! one), a line of underscores above such a block, or a run of `>` lines — and at the
//! signature delimiter "-- ". What is left loses the `>` lines it still has, the mobile
//! clients' "Sent from my iPhone" and trailing blank lines. Text that is nothing but quotes
//! comes back empty, and the relay adds nothing.

/// The visitor's own words in a reply's plain text.
pub fn strip_reply(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = text.lines().collect();
    let end = (0..lines.len())
        .find(|&index| opens_history(&lines, index))
        .unwrap_or(lines.len());
    let mut kept: Vec<&str> = lines[..end]
        .iter()
        .copied()
        .filter(|line| !line.trim_start().starts_with('>'))
        .collect();
    while kept
        .last()
        .is_some_and(|line| line.trim().is_empty() || is_device_signature(line))
    {
        kept.pop();
    }
    while kept.first().is_some_and(|line| line.trim().is_empty()) {
        kept.remove(0);
    }
    kept.join("\n").trim_end().to_string()
}

/// Whether line `index` begins the quoted history or the signature.
fn opens_history(lines: &[&str], index: usize) -> bool {
    let line = lines[index].trim();
    let next = lines.get(index + 1).map(|line| line.trim()).unwrap_or("");
    // The signature delimiter is "-- " (with its space; some clients trim it).
    if lines[index] == "-- " || line == "--" {
        return true;
    }
    if is_attribution(line)
        || (line.starts_with("On ") && is_attribution(&format!("{line} {next}")))
    {
        return true;
    }
    let lower = line.to_ascii_lowercase();
    if lower.starts_with("-----original message-----")
        || lower.starts_with("----- original message -----")
        || line.starts_with("-----原始邮件-----")
        || line.starts_with("------------------ 原始邮件 ------------------")
    {
        return true;
    }
    // Outlook's header block: "From:" (or "发件人：") followed by "Sent:"/"Date:" (or
    // "发送时间："/"日期：") within the next lines; a line of underscores may come first.
    if line.chars().count() >= 10 && line.chars().all(|c| c == '_') {
        return next.is_empty() || is_header_block(lines, index + 1);
    }
    is_header_block(lines, index)
}

/// "On <date>, <someone> wrote:" and its translations.
fn is_attribution(line: &str) -> bool {
    let ends_wrote = |word: &str| {
        line.strip_suffix(':')
            .or_else(|| line.strip_suffix('：'))
            .is_some_and(|rest| rest.trim_end().ends_with(word))
    };
    (line.starts_with("On ") && ends_wrote("wrote"))
        || (line.starts_with("Am ") && line.contains(" schrieb ") && line.ends_with(':'))
        || (line.starts_with("Le ") && ends_wrote("a écrit"))
        || (line.contains('在') && ends_wrote("写道"))
        || ends_wrote("寫道")
}

/// Whether `index` opens an Outlook-style header block of the quoted message.
fn is_header_block(lines: &[&str], index: usize) -> bool {
    let starts = |line: &str, names: &[&str]| {
        let line = line.trim().trim_start_matches('*');
        names.iter().any(|name| {
            line.strip_prefix(name).is_some_and(|rest| {
                rest.starts_with(':') || rest.starts_with('：') || rest.starts_with("*:")
            })
        })
    };
    let Some(first) = lines.get(index) else {
        return false;
    };
    if !starts(first, &["From", "发件人", "寄件者"]) {
        return false;
    }
    lines.iter().skip(index + 1).take(4).any(|line| {
        starts(
            line,
            &[
                "Sent",
                "Date",
                "To",
                "Subject",
                "发送时间",
                "日期",
                "收件人",
                "主题",
            ],
        )
    })
}

/// The line a phone's mail app adds by itself.
fn is_device_signature(line: &str) -> bool {
    let line = line.trim();
    line.starts_with("Sent from my ")
        || line.starts_with("Get Outlook for ")
        || line.starts_with("发自我的")
        || line.starts_with("从我的")
}

#[cfg(test)]
mod tests {
    use super::strip_reply;

    /// (client, raw text part, what the visitor wrote).
    const SAMPLES: &[(&str, &str, &str)] = &[
        (
            "Gmail",
            "Yes, the blue one please.\r\n\r\nOn Thu, Dec 3, 2026 at 11:02 AM Acme Support <support@acme.example> wrote:\r\n\r\n> Which colour would you like?\r\n>\r\n> Continue the conversation: https://acme.example/help\r\n",
            "Yes, the blue one please.",
        ),
        (
            "Gmail, attribution wrapped over two lines",
            "Thanks!\n\nOn Thu, Dec 3, 2026 at 11:02 AM Acme Support <reply+0123abcd-99@reply.acme.example>\nwrote:\n\n> Your order shipped.\n",
            "Thanks!",
        ),
        (
            "Apple Mail with a signature",
            "Great, see you then.\n\nAnna\n-- \nAnna Lee\nLee & Co\n\n> On 3 Dec 2026, at 11:02, Acme Support <support@acme.example> wrote:\n>\n> We open at nine.\n",
            "Great, see you then.\n\nAnna",
        ),
        (
            "iPhone",
            "Ok\n\nSent from my iPhone\n\n> On 3 Dec 2026, at 11:02, Acme Support <support@acme.example> wrote:\n> \n> Anything else?\n",
            "Ok",
        ),
        (
            "Outlook desktop",
            "Please cancel it.\r\n\r\n________________________________\r\nFrom: Acme Support <support@acme.example>\r\nSent: Thursday, December 3, 2026 11:02 AM\r\nTo: anna@example.com\r\nSubject: New reply from Acme\r\n\r\nWe can cancel the order for you.\r\n",
            "Please cancel it.",
        ),
        (
            "Outlook, bold labels in plain text",
            "Done, thank you\n\n*From:* Acme Support <support@acme.example>\n*Sent:* Thursday, 3 December 2026 11:02\n*To:* anna@example.com\n*Subject:* New reply from Acme\n\nPlease confirm.\n",
            "Done, thank you",
        ),
        (
            "Outlook, original message line",
            "Fine by me.\n\n-----Original Message-----\nFrom: Acme Support\nSent: 3 December 2026 11:02\n\nShall we?\n",
            "Fine by me.",
        ),
        (
            "QQ Mail",
            "好的，谢谢！\n\n\n------------------ 原始邮件 ------------------\n发件人: \"Acme 客服\"<support@acme.example>;\n发送时间: 2026年12月3日(星期四) 上午11:02\n收件人: \"anna\"<anna@qq.example>;\n主题: Acme 回复了您\n\n请问还需要什么帮助？\n",
            "好的，谢谢！",
        ),
        (
            "163 / NetEase",
            "明天下午可以。\n\n在 2026-12-03 11:02:15，\"Acme 客服\" <support@acme.example> 写道：\n> 您方便什么时候？\n",
            "明天下午可以。",
        ),
        (
            "Foxmail",
            "收到\n\n发件人：Acme 客服\n发送时间：2026-12-03 11:02\n收件人：anna\n主题：Acme 回复了您\n\n已发货。\n",
            "收到",
        ),
        (
            "Chinese Outlook with a phone signature",
            "可以\n\n发自我的iPhone\n\n-----原始邮件-----\n发件人: Acme 客服\n",
            "可以",
        ),
        (
            "Answer between quotes (inline reply)",
            "> Which size?\nMedium.\n> And the colour?\nBlue.\n",
            "Medium.\nBlue.",
        ),
        (
            "Nothing but the quote",
            "\n\nOn Thu, Dec 3, 2026 at 11:02 AM Acme <a@acme.example> wrote:\n> Hello\n",
            "",
        ),
        (
            "German Gmail",
            "Passt.\n\nAm Do., 3. Dez. 2026 um 11:02 Uhr schrieb Acme <a@acme.example>:\n> Passt Ihnen Montag?\n",
            "Passt.",
        ),
        (
            "No quote at all; a From: in the text stays",
            "From: my other account, sorry.\nI meant order 42.",
            "From: my other account, sorry.\nI meant order 42.",
        ),
    ];

    #[test]
    fn strips_what_common_clients_quote_and_sign() {
        for (client, raw, expected) in SAMPLES {
            assert_eq!(strip_reply(raw), *expected, "{client}");
        }
    }
}
