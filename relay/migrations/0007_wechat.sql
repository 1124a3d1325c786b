-- Which thread a WeChat user (an OpenID of a brand's Official Account) writes into: derived
-- from the thread, which links itself when the user scans its QR code (a `WechatUser` fact;
-- erasure forgets it with the rest of the thread).

CREATE TABLE wechat_users (
    brand_id TEXT NOT NULL,
    open_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    PRIMARY KEY (brand_id, open_id)
);
CREATE INDEX wechat_users_by_thread ON wechat_users (thread_id);
