-- SHOPPER store schema, version 7. The whole schema lives here; migrations[] in store/store.c
-- upgrades older databases step by step (v2: the server's accounts, devices, carts and rules;
-- v3: daily aggregates; v4: the firing frame of an emotion peak, the state of an erasure;
-- v5: an index of alert resolutions; v6: data generations, the emotion days' sums;
-- v7: the sales aggregates kept by triggers, the buyers of a range).
-- Money is integer cents; times are integer unix seconds (UTC);
-- a "day" is a whole number of days since 1970-01-01 (UTC). Keep the SQL portable
-- (it is meant to run on PostgreSQL later): no SQLite-only types or syntax.

-- key/value settings of this store: simulator state, model metadata, floor plan size
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,                    -- e.g. 'sim.last_day', 'floor.width_m'
    value TEXT NOT NULL
);

-- the floor plan: named rectangular zones in metres, origin at the front-left corner
CREATE TABLE zones (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,              -- entrance, front_display, main_aisle, ...
    x0      REAL NOT NULL, y0 REAL NOT NULL,   -- lower-left corner
    x1      REAL NOT NULL, y1 REAL NOT NULL,   -- upper-right corner
    door_x  REAL NOT NULL, door_y REAL NOT NULL -- where the zone opens onto the main aisle
);

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    email         TEXT UNIQUE,
    gender        TEXT NOT NULL CHECK (gender IN ('female', 'male', 'other')),
    size          TEXT NOT NULL,               -- S, M, L, XL
    persona       TEXT,                        -- simulator persona, NULL for real customers
    pref_category TEXT,                        -- stated or simulated preferences
    pref_fabric   TEXT,
    pref_season   TEXT,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER,                     -- last session; drives the face-data retention
    simulated     INTEGER NOT NULL DEFAULT 0
);

-- derived by analytics (profiling): one row per customer, buyers or not
CREATE TABLE customer_profiles (
    customer_id        INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    segment            INTEGER,                -- k-means cluster, NULL before training
    purchases          INTEGER NOT NULL DEFAULT 0,
    items              INTEGER NOT NULL DEFAULT 0,
    spend_cents        INTEGER NOT NULL DEFAULT 0,
    mean_price_cents   INTEGER NOT NULL DEFAULT 0,
    mean_discount      REAL NOT NULL DEFAULT 0, -- over discounted lines, 0..1
    times_tried        INTEGER NOT NULL DEFAULT 0,
    pref_category      TEXT,
    pref_fabric        TEXT,
    pref_size          TEXT,
    updated_at         INTEGER NOT NULL
);

-- a trained model (k-means centres + scaler, demand booster ...) as an opaque blob
CREATE TABLE models (
    name       TEXT PRIMARY KEY,               -- 'segments', 'demand'
    version    INTEGER NOT NULL,
    data       BLOB NOT NULL,
    info       TEXT,                           -- JSON description (k, features, metrics)
    trained_at INTEGER NOT NULL
);

CREATE TABLE products (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL,
    category         TEXT NOT NULL,            -- T-Shirt, Sweater, Pants, Coat
    gender           TEXT NOT NULL CHECK (gender IN ('women', 'men', 'unisex')),
    fabric           TEXT NOT NULL,            -- Cotton, Wool, Polyester
    season           TEXT NOT NULL,            -- Winter, Summer, All seasons
    base_price_cents INTEGER NOT NULL CHECK (base_price_cents > 0),
    cost_cents       INTEGER NOT NULL CHECK (cost_cents >= 0),
    price_cents      INTEGER NOT NULL CHECK (price_cents > 0), -- current list price
    popularity       REAL NOT NULL,            -- 0..1
    zone             TEXT NOT NULL,            -- where it hangs (a zones.name)
    x                REAL NOT NULL,            -- its spot on the floor, metres
    y                REAL NOT NULL,
    simulated        INTEGER NOT NULL DEFAULT 0
);

-- one row per physical garment
CREATE TABLE items (
    id          INTEGER PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products(id),
    size        TEXT NOT NULL,
    rfid        TEXT NOT NULL UNIQUE,          -- EPC tag, 24 hex digits
    zone        TEXT NOT NULL,                 -- where it is
    times_tried INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL CHECK (status IN ('in_stock', 'sold')),
    received_at INTEGER NOT NULL,
    sold_at     INTEGER
);
CREATE INDEX items_product_size ON items(product_id, size, status);
-- stock now, covering (status in the key: sqlite then needs no row)
CREATE INDEX items_in_stock ON items(product_id, size, status) WHERE status = 'in_stock';

-- the price and stock of each product on each simulated or real day (demand-model data)
CREATE TABLE daily_prices (
    day          INTEGER NOT NULL,
    product_id   INTEGER NOT NULL REFERENCES products(id),
    list_cents   INTEGER NOT NULL,             -- list price that day
    price_cents  INTEGER NOT NULL,             -- price charged after the day's discount
    discount     REAL NOT NULL,                -- 0..1
    stock_start  INTEGER NOT NULL,             -- items in stock when the store opened
    PRIMARY KEY (day, product_id)
);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    started_at  INTEGER NOT NULL,
    ended_at    INTEGER NOT NULL,
    mirror      TEXT,                          -- the mirror used for login, if any
    tracked     INTEGER NOT NULL DEFAULT 0,    -- bag carried a tracking tag: positions exist
    simulated   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_customer ON sessions(customer_id);
CREATE INDEX sessions_started ON sessions(started_at);

CREATE TABLE tryons (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    item_id    INTEGER NOT NULL REFERENCES items(id),
    tried_at   INTEGER NOT NULL
);
CREATE INDEX tryons_session ON tryons(session_id);
CREATE INDEX tryons_time ON tryons(tried_at);

CREATE TABLE purchases (
    id           INTEGER PRIMARY KEY,
    session_id   INTEGER NOT NULL REFERENCES sessions(id),
    customer_id  INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    purchased_at INTEGER NOT NULL,
    total_cents  INTEGER NOT NULL CHECK (total_cents >= 0)
);
CREATE INDEX purchases_customer ON purchases(customer_id);
CREATE INDEX purchases_time ON purchases(purchased_at, customer_id); -- covers buyers in a range
CREATE INDEX purchases_session ON purchases(session_id);

CREATE TABLE purchase_lines (
    id           INTEGER PRIMARY KEY,
    purchase_id  INTEGER NOT NULL REFERENCES purchases(id),
    item_id      INTEGER NOT NULL UNIQUE REFERENCES items(id), -- an item is sold once
    product_id   INTEGER NOT NULL REFERENCES products(id),
    list_cents   INTEGER NOT NULL,             -- list price at the time
    price_cents  INTEGER NOT NULL CHECK (price_cents >= 0), -- paid
    discount     REAL NOT NULL DEFAULT 0       -- 0..1
);
CREATE INDEX purchase_lines_purchase ON purchase_lines(purchase_id);
CREATE INDEX purchase_lines_product ON purchase_lines(product_id);

-- walking paths: sampled positions of tracked sessions
CREATE TABLE positions (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    t          INTEGER NOT NULL,
    x          REAL NOT NULL,
    y          REAL NOT NULL
);
CREATE INDEX positions_session ON positions(session_id, t);

-- density grids: scope 'day' is the daily aggregate of the whole store (see floor_days)
CREATE TABLE heatmaps (
    id          INTEGER PRIMARY KEY,
    scope       TEXT NOT NULL,                 -- 'day', 'store', 'customer', 'session'
    customer_id INTEGER REFERENCES customers(id) ON DELETE CASCADE,
    session_id  INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
    from_t      INTEGER,
    to_t        INTEGER,
    cell_m      REAL NOT NULL,
    cols        INTEGER NOT NULL,
    rows        INTEGER NOT NULL,
    grid        BLOB NOT NULL,                 -- rows*cols float64 (little-endian), row-major
    created_at  INTEGER NOT NULL
);
CREATE INDEX heatmaps_scope ON heatmaps(scope, from_t);

CREATE TABLE emotion_events (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
    customer_id INTEGER REFERENCES customers(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    grp         TEXT NOT NULL CHECK (grp IN ('frustration', 'happiness', 'surprise')),
    dominant    TEXT NOT NULL,                 -- the highest mean probability over the window
    score       REAL NOT NULL,                 -- mean group score over the window, % (the trend)
    p_neutral REAL NOT NULL, p_happy REAL NOT NULL, p_sad REAL NOT NULL,
    p_angry REAL NOT NULL, p_fearful REAL NOT NULL, p_disgusted REAL NOT NULL,
    p_surprised REAL NOT NULL,
    mirror      TEXT,
    simulated   INTEGER NOT NULL DEFAULT 0,
    peak_score  REAL,                          -- v2: the firing frame's group score, % (what the
                                               -- detector decided on); NULL before v2
    peak_dominant TEXT                         -- v2: the firing frame's strongest expression
);
CREATE INDEX emotion_events_session ON emotion_events(session_id);
CREATE INDEX emotion_events_at ON emotion_events(at);

CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER REFERENCES emotion_events(id) ON DELETE SET NULL,
    customer_id     INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    session_id      INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    location        TEXT NOT NULL,             -- the mirror's place in the store
    created_at      INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    acknowledged_by TEXT,
    acknowledged_at INTEGER,
    simulated       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX alerts_status ON alerts(status, created_at);

CREATE TABLE alert_resolutions (
    id          INTEGER PRIMARY KEY,
    alert_id    INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    staff       TEXT NOT NULL,
    note        TEXT NOT NULL,
    resolved_at INTEGER NOT NULL
);
CREATE INDEX alert_resolutions_alert ON alert_resolutions(alert_id, id);

CREATE TABLE recommendations (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    rank        INTEGER NOT NULL,
    product_id  INTEGER NOT NULL REFERENCES products(id),
    score       REAL NOT NULL,
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (customer_id, rank)
);

CREATE TABLE promotions (
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    rank        INTEGER NOT NULL,
    product_id  INTEGER NOT NULL REFERENCES products(id),
    discount    REAL NOT NULL,                 -- 0..1
    price_cents INTEGER NOT NULL,              -- the promotion price, never below cost
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    valid_until INTEGER NOT NULL,
    PRIMARY KEY (customer_id, rank)
);

CREATE TABLE price_history (
    id              INTEGER PRIMARY KEY,
    product_id      INTEGER NOT NULL REFERENCES products(id),
    old_cents       INTEGER NOT NULL,
    new_cents       INTEGER NOT NULL,
    suggested_cents INTEGER,                   -- what the model suggested
    demand_old      REAL,                      -- predicted units/day at the old price
    demand_new      REAL,
    profit_old      REAL,                      -- predicted profit/day, cents
    profit_new      REAL,
    rule            TEXT,                      -- the business rule that bound the price
    applied         INTEGER NOT NULL DEFAULT 0,
    changed_at      INTEGER NOT NULL
);
CREATE INDEX price_history_product ON price_history(product_id, changed_at);

-- biometric consent: a customer's explicit opt-in, with the consent text's version
CREATE TABLE face_consents (
    customer_id     INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    consent_version TEXT NOT NULL,
    consented_at    INTEGER NOT NULL
);

-- face descriptors of consenting customers (biometric data: secure_delete applies). Sealed
-- with the customer's own key, kept outside the database in '<db>-keys' (see
-- store/store_keys.c): destroying the key erases every copy SQLite may still hold.
CREATE TABLE face_templates (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES face_consents(customer_id) ON DELETE CASCADE,
    phase       TEXT NOT NULL,                 -- straight, left, right, file
    descriptor  BLOB NOT NULL,                 -- 128 float32 little-endian, sealed (552 bytes);
                                               -- 512 plain bytes in rows from before v2
    quality     REAL NOT NULL,                 -- sharpness (variance of the Laplacian)
    created_at  INTEGER NOT NULL
);
CREATE INDEX face_templates_customer ON face_templates(customer_id);

-- raw photos, only when the operator turns that on
CREATE TABLE face_photos (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES face_consents(customer_id) ON DELETE CASCADE,
    image       BLOB NOT NULL,                 -- the file's bytes, sealed like descriptors
    created_at  INTEGER NOT NULL
);

-- who did what to biometric data (never the data itself)
CREATE TABLE privacy_audit (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER,                       -- kept after the customer is gone
    action      TEXT NOT NULL,                 -- consent, enrol, delete, purge
    actor       TEXT NOT NULL,
    at          INTEGER NOT NULL,
    detail      TEXT,
    state       TEXT,                          -- v2, erasures: 'pending' while deleted rows may
                                               -- still be on disk (another connection held the
                                               -- WAL), 'complete' once checkpointed away
    completed_at INTEGER                       -- v2: when a pending erasure completed
);

-- staff and managers of the dashboard
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('manager', 'staff')),
    password_hash TEXT NOT NULL,               -- libsodium crypto_pwhash string
    created_at    INTEGER NOT NULL
);

-- ==== version 2: the server's accounts, devices, carts and stored rules ====

-- a logged-in dashboard user: the cookie holds a random token, the table only its hash
CREATE TABLE auth_sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,         -- sha256 hex of the cookie's token
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf         TEXT NOT NULL,                -- sent back in X-CSRF-Token on every write
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX auth_sessions_user ON auth_sessions(user_id);

-- a paired Smart Mirror: a device with its own bearer token (hash only)
CREATE TABLE devices (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,         -- e.g. 'mirror-1'
    location     TEXT NOT NULL,                -- shown to staff with its alerts
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,                      -- NULL while paired
    last_seen_at INTEGER
);

-- a customer's PIN for e-mail + PIN login at a mirror (no face), Argon2id like passwords
CREATE TABLE customer_pins (
    customer_id INTEGER PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    pin_hash    TEXT NOT NULL,
    set_at      INTEGER NOT NULL
);

-- a shopping session's cart at a mirror; items are reserved while they are in it
CREATE TABLE carts (
    id          INTEGER PRIMARY KEY,
    session_id  INTEGER NOT NULL UNIQUE REFERENCES sessions(id),
    customer_id INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'bought', 'closed')),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    purchase_id INTEGER REFERENCES purchases(id)
);
CREATE TABLE cart_items (
    cart_id        INTEGER NOT NULL REFERENCES carts(id) ON DELETE CASCADE,
    item_id        INTEGER NOT NULL UNIQUE REFERENCES items(id), -- reserved by one cart at most
    added_at       INTEGER NOT NULL,
    reserved_until INTEGER NOT NULL,           -- an expired reservation may be taken over
    PRIMARY KEY (cart_id, item_id)
);

-- association rules as last mined ('bought together'); antecedent and consequent are
-- product ids separated by spaces, ascending
CREATE TABLE assoc_rules (
    id          INTEGER PRIMARY KEY,
    antecedent  TEXT NOT NULL,
    consequent  TEXT NOT NULL,
    support     REAL NOT NULL,                 -- share of baskets with both sides
    confidence  REAL NOT NULL,
    lift        REAL NOT NULL,
    count       INTEGER NOT NULL,              -- baskets with both sides
    mined_at    INTEGER NOT NULL
);

-- ==== version 3: daily aggregates ====
-- What the dashboards read for whole days instead of scanning the rows. The store keeps them
-- current in the same transaction as the rows they summarise (a session, try-on, purchase or
-- emotion event); the floor aggregates are written by analytics/floor.c (live positions, the
-- simulator's load). A "day" is unix time / 86400; sessions count on the day they started.
CREATE TABLE kpi_days (
    day           INTEGER PRIMARY KEY,
    sessions      INTEGER NOT NULL DEFAULT 0,  -- sessions started that day
    converted     INTEGER NOT NULL DEFAULT 0,  -- of those, sessions with a purchase (any day)
    purchases     INTEGER NOT NULL DEFAULT 0,  -- purchases made that day
    lines         INTEGER NOT NULL DEFAULT 0,  -- items sold that day
    revenue_cents INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE kpi_product_days (
    day           INTEGER NOT NULL,
    product_id    INTEGER NOT NULL REFERENCES products(id),
    units         INTEGER NOT NULL DEFAULT 0,  -- purchase lines that day
    revenue_cents INTEGER NOT NULL DEFAULT 0,
    tries         INTEGER NOT NULL DEFAULT 0,  -- try-ons that day
    PRIMARY KEY (day, product_id)
);

CREATE TABLE kpi_emotion_days (             -- v6 adds the sums of score and p_* (below)
    day      INTEGER NOT NULL,
    grp      TEXT NOT NULL,
    dominant TEXT NOT NULL,
    events   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, grp, dominant)
);

-- one row per day with walking paths; its grid is the heatmaps row (scope 'day', from_t =
-- day * 86400): dwell seconds per cell, unsmoothed, of the sessions started that day
CREATE TABLE floor_days (
    day       INTEGER PRIMARY KEY,
    stale     INTEGER NOT NULL DEFAULT 0,      -- 1: positions not folded in yet (recompute)
    positions INTEGER NOT NULL DEFAULT 0,      -- samples of the day's sessions
    sessions  INTEGER NOT NULL DEFAULT 0,      -- sessions with samples
    outside   INTEGER NOT NULL DEFAULT 0       -- samples in no zone
);

CREATE TABLE floor_zone_days (              -- v6 adds converted (below)
    day      INTEGER NOT NULL,
    zone     TEXT NOT NULL,                    -- a zones.name
    visits   INTEGER NOT NULL,
    sessions INTEGER NOT NULL,
    dwell_s  REAL NOT NULL,
    PRIMARY KEY (day, zone)
);

CREATE TABLE floor_transition_days (
    day       INTEGER NOT NULL,
    from_zone TEXT NOT NULL,
    to_zone   TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (day, from_zone, to_zone)
);

-- ==== version 6: data generations; the emotion days' sums, the zone days' conversions ====
-- The emotion days keep the sums behind the Emotions tab's means too (its whole days no longer
-- scan the events), rebuilt here from the events (on an upgrade; a new store has none).
ALTER TABLE kpi_emotion_days ADD COLUMN score_sum REAL NOT NULL DEFAULT 0; -- sum of score, %
ALTER TABLE kpi_emotion_days ADD COLUMN p_neutral REAL NOT NULL DEFAULT 0; -- sums of p_*
ALTER TABLE kpi_emotion_days ADD COLUMN p_happy REAL NOT NULL DEFAULT 0;
ALTER TABLE kpi_emotion_days ADD COLUMN p_sad REAL NOT NULL DEFAULT 0;
ALTER TABLE kpi_emotion_days ADD COLUMN p_angry REAL NOT NULL DEFAULT 0;
ALTER TABLE kpi_emotion_days ADD COLUMN p_fearful REAL NOT NULL DEFAULT 0;
ALTER TABLE kpi_emotion_days ADD COLUMN p_disgusted REAL NOT NULL DEFAULT 0;
ALTER TABLE kpi_emotion_days ADD COLUMN p_surprised REAL NOT NULL DEFAULT 0;
DELETE FROM kpi_emotion_days;
INSERT INTO kpi_emotion_days(day, grp, dominant, events, score_sum, p_neutral, p_happy, p_sad,
                             p_angry, p_fearful, p_disgusted, p_surprised)
    SELECT at / 86400, grp, dominant, count(*), sum(score), sum(p_neutral), sum(p_happy),
           sum(p_sad), sum(p_angry), sum(p_fearful), sum(p_disgusted), sum(p_surprised)
    FROM emotion_events GROUP BY 1, 2, 3;
-- The emotion days follow the events by trigger, whoever writes them (a raw insert or an
-- erasure too): their counts and sums are those of the rows, day by day.
CREATE TRIGGER agg_emotion_events_ins AFTER INSERT ON emotion_events BEGIN
    INSERT INTO kpi_emotion_days(day, grp, dominant, events, score_sum, p_neutral, p_happy,
                                 p_sad, p_angry, p_fearful, p_disgusted, p_surprised)
    VALUES (NEW.at / 86400, NEW.grp, NEW.dominant, 1, NEW.score, NEW.p_neutral, NEW.p_happy,
            NEW.p_sad, NEW.p_angry, NEW.p_fearful, NEW.p_disgusted, NEW.p_surprised)
    ON CONFLICT(day, grp, dominant) DO UPDATE SET events = events + 1,
        score_sum = score_sum + excluded.score_sum, p_neutral = p_neutral + excluded.p_neutral,
        p_happy = p_happy + excluded.p_happy, p_sad = p_sad + excluded.p_sad,
        p_angry = p_angry + excluded.p_angry, p_fearful = p_fearful + excluded.p_fearful,
        p_disgusted = p_disgusted + excluded.p_disgusted,
        p_surprised = p_surprised + excluded.p_surprised;
END;
CREATE TRIGGER agg_emotion_events_del AFTER DELETE ON emotion_events BEGIN
    UPDATE kpi_emotion_days SET events = events - 1, score_sum = score_sum - OLD.score,
        p_neutral = p_neutral - OLD.p_neutral, p_happy = p_happy - OLD.p_happy,
        p_sad = p_sad - OLD.p_sad, p_angry = p_angry - OLD.p_angry,
        p_fearful = p_fearful - OLD.p_fearful, p_disgusted = p_disgusted - OLD.p_disgusted,
        p_surprised = p_surprised - OLD.p_surprised
    WHERE day = OLD.at / 86400 AND grp = OLD.grp AND dominant = OLD.dominant;
END;
CREATE TRIGGER agg_emotion_events_upd AFTER UPDATE OF at, grp, dominant, score, p_neutral,
    p_happy, p_sad, p_angry, p_fearful, p_disgusted, p_surprised ON emotion_events BEGIN
    UPDATE kpi_emotion_days SET events = events - 1, score_sum = score_sum - OLD.score,
        p_neutral = p_neutral - OLD.p_neutral, p_happy = p_happy - OLD.p_happy,
        p_sad = p_sad - OLD.p_sad, p_angry = p_angry - OLD.p_angry,
        p_fearful = p_fearful - OLD.p_fearful, p_disgusted = p_disgusted - OLD.p_disgusted,
        p_surprised = p_surprised - OLD.p_surprised
    WHERE day = OLD.at / 86400 AND grp = OLD.grp AND dominant = OLD.dominant;
    INSERT INTO kpi_emotion_days(day, grp, dominant, events, score_sum, p_neutral, p_happy,
                                 p_sad, p_angry, p_fearful, p_disgusted, p_surprised)
    VALUES (NEW.at / 86400, NEW.grp, NEW.dominant, 1, NEW.score, NEW.p_neutral, NEW.p_happy,
            NEW.p_sad, NEW.p_angry, NEW.p_fearful, NEW.p_disgusted, NEW.p_surprised)
    ON CONFLICT(day, grp, dominant) DO UPDATE SET events = events + 1,
        score_sum = score_sum + excluded.score_sum, p_neutral = p_neutral + excluded.p_neutral,
        p_happy = p_happy + excluded.p_happy, p_sad = p_sad + excluded.p_sad,
        p_angry = p_angry + excluded.p_angry, p_fearful = p_fearful + excluded.p_fearful,
        p_disgusted = p_disgusted + excluded.p_disgusted,
        p_surprised = p_surprised + excluded.p_surprised;
END;
-- A zone's day counts its visiting sessions that made a purchase too (the heatmap's zone
-- conversion no longer reads every buyer's path); the days there are recomputed with it when
-- first read.
ALTER TABLE floor_zone_days ADD COLUMN converted INTEGER NOT NULL DEFAULT 0; -- of sessions
UPDATE floor_days SET stale = 1, positions = 0, sessions = 0, outside = 0;
DELETE FROM heatmaps WHERE scope = 'day';
DELETE FROM floor_zone_days;
DELETE FROM floor_transition_days;

-- One counter per kind of data the dashboards are computed from (enum store_kind in
-- store/store.h), raised by the triggers below in the same transaction as every row written of
-- that kind, by this program, another process or a sqlite3 shell alike. The server keeps a
-- cached answer while the counters of the kinds it was computed from stay the same
-- (api/app.c), so that a write drops only the answers that read what it changed. Dashboard
-- logins, devices, PINs, carts and their reservations, face data and a customer's last visit
-- raise no counter: no cached answer reads them. The daily aggregates (kpi_*, floor_*,
-- heatmaps) have none either: they follow the rows counted here, in the same transaction.
CREATE TABLE data_gens (
    kind INTEGER PRIMARY KEY,                  -- enum store_kind
    name TEXT NOT NULL UNIQUE,
    gen  INTEGER NOT NULL DEFAULT 0            -- raised by every row written of the kind
);
INSERT INTO data_gens(kind, name) VALUES
    (0, 'sales'), (1, 'sessions'), (2, 'session_ends'), (3, 'tryons'),
    (4, 'stock'), (5, 'catalog'), (6, 'prices'), (7, 'emotions'),
    (8, 'alerts'), (9, 'floor'), (10, 'customers'), (11, 'profiles'),
    (12, 'models'), (13, 'rules'), (14, 'reco'), (15, 'meta');
CREATE TRIGGER gen_purchases_ins AFTER INSERT ON purchases
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 0; END;
CREATE TRIGGER gen_purchases_del AFTER DELETE ON purchases
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 0; END;
CREATE TRIGGER gen_purchases_upd AFTER UPDATE ON purchases
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 0; END;
CREATE TRIGGER gen_purchase_lines_ins AFTER INSERT ON purchase_lines
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 0; END;
CREATE TRIGGER gen_purchase_lines_del AFTER DELETE ON purchase_lines
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 0; END;
CREATE TRIGGER gen_purchase_lines_upd AFTER UPDATE ON purchase_lines
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 0; END;
CREATE TRIGGER gen_sessions_ins AFTER INSERT ON sessions
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 1; END;
CREATE TRIGGER gen_sessions_del AFTER DELETE ON sessions
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 1; END;
CREATE TRIGGER gen_sessions_upd AFTER UPDATE OF
    id, customer_id, started_at, mirror, tracked, simulated ON sessions
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 1; END;
CREATE TRIGGER gen_tryons_ins AFTER INSERT ON tryons
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 3; END;
CREATE TRIGGER gen_tryons_del AFTER DELETE ON tryons
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 3; END;
CREATE TRIGGER gen_tryons_upd AFTER UPDATE ON tryons
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 3; END;
CREATE TRIGGER gen_items_ins AFTER INSERT ON items
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 4; END;
CREATE TRIGGER gen_items_del AFTER DELETE ON items
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 4; END;
CREATE TRIGGER gen_items_upd AFTER UPDATE ON items
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 4; END;
CREATE TRIGGER gen_products_ins AFTER INSERT ON products
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 5; END;
CREATE TRIGGER gen_products_del AFTER DELETE ON products
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 5; END;
CREATE TRIGGER gen_products_upd AFTER UPDATE OF
    id, name, category, gender, fabric, season, base_price_cents, cost_cents, popularity, zone,
    x, y, simulated ON products
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 5; END;
CREATE TRIGGER gen_daily_prices_ins AFTER INSERT ON daily_prices
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 6; END;
CREATE TRIGGER gen_daily_prices_del AFTER DELETE ON daily_prices
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 6; END;
CREATE TRIGGER gen_daily_prices_upd AFTER UPDATE ON daily_prices
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 6; END;
CREATE TRIGGER gen_price_history_ins AFTER INSERT ON price_history
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 6; END;
CREATE TRIGGER gen_price_history_del AFTER DELETE ON price_history
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 6; END;
CREATE TRIGGER gen_price_history_upd AFTER UPDATE ON price_history
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 6; END;
CREATE TRIGGER gen_emotion_events_ins AFTER INSERT ON emotion_events
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 7; END;
CREATE TRIGGER gen_emotion_events_del AFTER DELETE ON emotion_events
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 7; END;
CREATE TRIGGER gen_emotion_events_upd AFTER UPDATE ON emotion_events
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 7; END;
CREATE TRIGGER gen_alerts_ins AFTER INSERT ON alerts
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 8; END;
CREATE TRIGGER gen_alerts_del AFTER DELETE ON alerts
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 8; END;
CREATE TRIGGER gen_alerts_upd AFTER UPDATE ON alerts
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 8; END;
CREATE TRIGGER gen_alert_resolutions_ins AFTER INSERT ON alert_resolutions
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 8; END;
CREATE TRIGGER gen_alert_resolutions_del AFTER DELETE ON alert_resolutions
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 8; END;
CREATE TRIGGER gen_alert_resolutions_upd AFTER UPDATE ON alert_resolutions
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 8; END;
CREATE TRIGGER gen_positions_ins AFTER INSERT ON positions
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 9; END;
CREATE TRIGGER gen_positions_del AFTER DELETE ON positions
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 9; END;
CREATE TRIGGER gen_positions_upd AFTER UPDATE ON positions
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 9; END;
CREATE TRIGGER gen_zones_ins AFTER INSERT ON zones
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 9; END;
CREATE TRIGGER gen_zones_del AFTER DELETE ON zones
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 9; END;
CREATE TRIGGER gen_zones_upd AFTER UPDATE ON zones
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 9; END;
CREATE TRIGGER gen_customers_ins AFTER INSERT ON customers
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 10; END;
CREATE TRIGGER gen_customers_del AFTER DELETE ON customers
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 10; END;
CREATE TRIGGER gen_customers_upd AFTER UPDATE OF
    id, name, email, gender, size, persona, pref_category, pref_fabric, pref_season,
    created_at, simulated ON customers
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 10; END;
CREATE TRIGGER gen_customer_profiles_ins AFTER INSERT ON customer_profiles
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 11; END;
CREATE TRIGGER gen_customer_profiles_del AFTER DELETE ON customer_profiles
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 11; END;
CREATE TRIGGER gen_customer_profiles_upd AFTER UPDATE ON customer_profiles
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 11; END;
CREATE TRIGGER gen_models_ins AFTER INSERT ON models
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 12; END;
CREATE TRIGGER gen_models_del AFTER DELETE ON models
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 12; END;
CREATE TRIGGER gen_models_upd AFTER UPDATE ON models
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 12; END;
CREATE TRIGGER gen_assoc_rules_ins AFTER INSERT ON assoc_rules
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 13; END;
CREATE TRIGGER gen_assoc_rules_del AFTER DELETE ON assoc_rules
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 13; END;
CREATE TRIGGER gen_assoc_rules_upd AFTER UPDATE ON assoc_rules
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 13; END;
CREATE TRIGGER gen_recommendations_ins AFTER INSERT ON recommendations
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 14; END;
CREATE TRIGGER gen_recommendations_del AFTER DELETE ON recommendations
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 14; END;
CREATE TRIGGER gen_recommendations_upd AFTER UPDATE ON recommendations
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 14; END;
CREATE TRIGGER gen_promotions_ins AFTER INSERT ON promotions
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 14; END;
CREATE TRIGGER gen_promotions_del AFTER DELETE ON promotions
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 14; END;
CREATE TRIGGER gen_promotions_upd AFTER UPDATE ON promotions
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 14; END;
CREATE TRIGGER gen_meta_ins AFTER INSERT ON meta WHEN NEW.key <> 'store.generation'
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 15; END;
CREATE TRIGGER gen_meta_del AFTER DELETE ON meta WHEN OLD.key <> 'store.generation'
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 15; END;
CREATE TRIGGER gen_meta_upd AFTER UPDATE ON meta WHEN NEW.key <> 'store.generation'
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 15; END;
CREATE TRIGGER gen_sessions_end AFTER UPDATE OF ended_at ON sessions
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 2; END;
CREATE TRIGGER gen_products_price AFTER UPDATE OF price_cents ON products
    BEGIN UPDATE data_gens SET gen = gen + 1 WHERE kind = 6; END;

-- ==== version 7: the sales aggregates kept by triggers; the buyers of a range; stock ====
-- Until v6 the store's C code counted a session, try-on or purchase in kpi_days and
-- kpi_product_days, so a row written by another tool (a sqlite3 shell) left them behind. Now
-- triggers keep them, in the transaction of the row, whoever writes it (as the emotion days):
-- kpi_days.sessions / converted follow sessions (on the day they started; converted: with at
-- least one purchase), purchases the purchase rows, lines and revenue_cents the lines of an
-- existing purchase on its day, kpi_product_days the same per product plus the try-ons of an
-- existing item. A session's first purchase (or its last one going) also marks the day of a
-- tracked session stale in floor_days (its zones' conversions change).
-- The buyers of a range of whole days come from two more tables:
CREATE TABLE kpi_customer_days (            -- the days on which a customer bought
    customer_id INTEGER NOT NULL,              -- purchases.customer_id (kept after an erasure
                                               -- sets it NULL: the row goes with it)
    day         INTEGER NOT NULL,
    purchases   INTEGER NOT NULL,              -- that customer's purchases that day, > 0
    PRIMARY KEY (customer_id, day)
);
-- For each customer's purchase day: the customer's previous purchase day (-1: none). The
-- distinct buyers of days [d0, d1) are then sum(n) over day in [d0, d1) and prev_day < d0
-- (each buyer counts once, on the first day in the range): at most days x days rows, not a
-- walk of the purchases.
CREATE TABLE kpi_buyer_days (
    day      INTEGER NOT NULL,
    prev_day INTEGER NOT NULL,
    n        INTEGER NOT NULL,                 -- customers (0 after a deletion: harmless)
    PRIMARY KEY (day, prev_day)
);
-- a deleted or moved item takes its try-ons' counts along (found by the item)
CREATE INDEX tryons_item ON tryons(item_id);
-- the try-ons of the part of a day at a range's end, by product, from the index alone (it
-- read each try-on's row for its item)
DROP INDEX tryons_time;
CREATE INDEX tryons_time ON tryons(tried_at, item_id);
-- the Emotions tab's sessions of a range read only this index (they read every event's row)
CREATE INDEX emotion_events_sessions ON emotion_events(at, session_id, customer_id, grp);
-- the items of each product and size, and how many are in stock: the sizes, stock and low
-- stock of the dashboards without a walk of every item ever received
CREATE TABLE kpi_stock (
    product_id INTEGER NOT NULL,
    size       TEXT NOT NULL,
    items      INTEGER NOT NULL,               -- items rows (0: none left, the row stays)
    in_stock   INTEGER NOT NULL,               -- of those, status 'in_stock'
    PRIMARY KEY (product_id, size)
);

-- >>>> the aggregates from the rows (the upgrade; store_bulk_end after a bulk load)
DELETE FROM kpi_days;
DELETE FROM kpi_product_days;
DELETE FROM kpi_customer_days;
DELETE FROM kpi_buyer_days;
DELETE FROM kpi_emotion_days;
DELETE FROM kpi_stock;
INSERT INTO kpi_stock(product_id, size, items, in_stock)
    SELECT product_id, size, count(*), sum(CASE WHEN status = 'in_stock' THEN 1 ELSE 0 END)
    FROM items GROUP BY 1, 2;
INSERT INTO kpi_days(day, sessions, converted)
    SELECT s.started_at / 86400, count(*),
           sum(CASE WHEN EXISTS (SELECT 1 FROM purchases p WHERE p.session_id = s.id) THEN 1
               ELSE 0 END)
    FROM sessions s GROUP BY 1;
INSERT INTO kpi_days(day, purchases)
    SELECT purchased_at / 86400, count(*) FROM purchases WHERE true GROUP BY 1
    ON CONFLICT(day) DO UPDATE SET purchases = excluded.purchases;
INSERT INTO kpi_days(day, lines, revenue_cents)
    SELECT p.purchased_at / 86400, count(*), sum(l.price_cents)
    FROM purchase_lines l JOIN purchases p ON p.id = l.purchase_id WHERE true GROUP BY 1
    ON CONFLICT(day) DO UPDATE SET lines = excluded.lines, revenue_cents = excluded.revenue_cents;
INSERT INTO kpi_product_days(day, product_id, units, revenue_cents)
    SELECT p.purchased_at / 86400, l.product_id, count(*), sum(l.price_cents)
    FROM purchase_lines l JOIN purchases p ON p.id = l.purchase_id GROUP BY 1, 2;
INSERT INTO kpi_product_days(day, product_id, tries)
    SELECT t.tried_at / 86400, i.product_id, count(*) FROM tryons t JOIN items i ON i.id = t.item_id
    WHERE true GROUP BY 1, 2
    ON CONFLICT(day, product_id) DO UPDATE SET tries = excluded.tries;
INSERT INTO kpi_customer_days(customer_id, day, purchases)
    SELECT customer_id, purchased_at / 86400, count(*) FROM purchases
    WHERE customer_id IS NOT NULL GROUP BY 1, 2;
INSERT INTO kpi_buyer_days(day, prev_day, n)
    SELECT day, prev_day, count(*) FROM (
        SELECT day, coalesce(lag(day) OVER (PARTITION BY customer_id ORDER BY day), -1) AS prev_day
        FROM kpi_customer_days) AS d
    GROUP BY 1, 2;
INSERT INTO kpi_emotion_days(day, grp, dominant, events, score_sum, p_neutral, p_happy, p_sad,
                             p_angry, p_fearful, p_disgusted, p_surprised)
    SELECT at / 86400, grp, dominant, count(*), sum(score), sum(p_neutral), sum(p_happy),
           sum(p_sad), sum(p_angry), sum(p_fearful), sum(p_disgusted), sum(p_surprised)
    FROM emotion_events GROUP BY 1, 2, 3;
-- <<<< the aggregates from the rows

-- sessions: counted on the day they started; converted when a purchase names them
CREATE TRIGGER agg_sessions_ins AFTER INSERT ON sessions BEGIN
    INSERT INTO kpi_days(day, sessions, converted)
    VALUES (NEW.started_at / 86400, 1,
            CASE WHEN EXISTS (SELECT 1 FROM purchases WHERE session_id = NEW.id) THEN 1 ELSE 0 END)
    ON CONFLICT(day) DO UPDATE SET sessions = sessions + 1,
        converted = converted + excluded.converted;
END;
CREATE TRIGGER agg_sessions_del AFTER DELETE ON sessions BEGIN
    INSERT INTO kpi_days(day, sessions, converted)
    VALUES (OLD.started_at / 86400, -1,
            CASE WHEN EXISTS (SELECT 1 FROM purchases WHERE session_id = OLD.id) THEN -1 ELSE 0 END)
    ON CONFLICT(day) DO UPDATE SET sessions = sessions - 1,
        converted = converted + excluded.converted;
END;
CREATE TRIGGER agg_sessions_upd AFTER UPDATE OF id, started_at ON sessions BEGIN
    INSERT INTO kpi_days(day, sessions, converted)
    VALUES (OLD.started_at / 86400, -1,
            CASE WHEN EXISTS (SELECT 1 FROM purchases WHERE session_id = OLD.id) THEN -1 ELSE 0 END)
    ON CONFLICT(day) DO UPDATE SET sessions = sessions - 1,
        converted = converted + excluded.converted;
    INSERT INTO kpi_days(day, sessions, converted)
    VALUES (NEW.started_at / 86400, 1,
            CASE WHEN EXISTS (SELECT 1 FROM purchases WHERE session_id = NEW.id) THEN 1 ELSE 0 END)
    ON CONFLICT(day) DO UPDATE SET sessions = sessions + 1,
        converted = converted + excluded.converted;
END;

-- try-ons: per product (the item's) and day
CREATE TRIGGER agg_tryons_ins AFTER INSERT ON tryons BEGIN
    INSERT INTO kpi_product_days(day, product_id, tries)
    SELECT NEW.tried_at / 86400, product_id, 1 FROM items WHERE id = NEW.item_id
    ON CONFLICT(day, product_id) DO UPDATE SET tries = tries + 1;
END;
CREATE TRIGGER agg_tryons_del AFTER DELETE ON tryons BEGIN
    INSERT INTO kpi_product_days(day, product_id, tries)
    SELECT OLD.tried_at / 86400, product_id, -1 FROM items WHERE id = OLD.item_id
    ON CONFLICT(day, product_id) DO UPDATE SET tries = tries - 1;
END;
CREATE TRIGGER agg_tryons_upd AFTER UPDATE OF tried_at, item_id ON tryons BEGIN
    INSERT INTO kpi_product_days(day, product_id, tries)
    SELECT OLD.tried_at / 86400, product_id, -1 FROM items WHERE id = OLD.item_id
    ON CONFLICT(day, product_id) DO UPDATE SET tries = tries - 1;
    INSERT INTO kpi_product_days(day, product_id, tries)
    SELECT NEW.tried_at / 86400, product_id, 1 FROM items WHERE id = NEW.item_id
    ON CONFLICT(day, product_id) DO UPDATE SET tries = tries + 1;
END;
-- an item's try-ons count for its product while it exists
CREATE TRIGGER agg_items_ins AFTER INSERT ON items BEGIN
    INSERT INTO kpi_product_days(day, product_id, tries)
    SELECT tried_at / 86400, NEW.product_id, count(*) FROM tryons WHERE item_id = NEW.id
    GROUP BY 1 ON CONFLICT(day, product_id) DO UPDATE SET tries = tries + excluded.tries;
END;
CREATE TRIGGER agg_items_del AFTER DELETE ON items BEGIN
    INSERT INTO kpi_product_days(day, product_id, tries)
    SELECT tried_at / 86400, OLD.product_id, -count(*) FROM tryons WHERE item_id = OLD.id
    GROUP BY 1 ON CONFLICT(day, product_id) DO UPDATE SET tries = tries + excluded.tries;
END;
CREATE TRIGGER agg_items_upd AFTER UPDATE OF id, product_id ON items BEGIN
    INSERT INTO kpi_product_days(day, product_id, tries)
    SELECT tried_at / 86400, OLD.product_id, -count(*) FROM tryons WHERE item_id = OLD.id
    GROUP BY 1 ON CONFLICT(day, product_id) DO UPDATE SET tries = tries + excluded.tries;
    INSERT INTO kpi_product_days(day, product_id, tries)
    SELECT tried_at / 86400, NEW.product_id, count(*) FROM tryons WHERE item_id = NEW.id
    GROUP BY 1 ON CONFLICT(day, product_id) DO UPDATE SET tries = tries + excluded.tries;
END;

-- stock by product and size
CREATE TRIGGER agg_items_stock_ins AFTER INSERT ON items BEGIN
    INSERT INTO kpi_stock(product_id, size, items, in_stock)
    VALUES (NEW.product_id, NEW.size, 1, CASE WHEN NEW.status = 'in_stock' THEN 1 ELSE 0 END)
    ON CONFLICT(product_id, size) DO UPDATE SET items = items + 1,
        in_stock = in_stock + excluded.in_stock;
END;
CREATE TRIGGER agg_items_stock_del AFTER DELETE ON items BEGIN
    INSERT INTO kpi_stock(product_id, size, items, in_stock)
    VALUES (OLD.product_id, OLD.size, -1, CASE WHEN OLD.status = 'in_stock' THEN -1 ELSE 0 END)
    ON CONFLICT(product_id, size) DO UPDATE SET items = items - 1,
        in_stock = in_stock + excluded.in_stock;
END;
CREATE TRIGGER agg_items_stock_upd AFTER UPDATE OF product_id, size, status ON items BEGIN
    INSERT INTO kpi_stock(product_id, size, items, in_stock)
    VALUES (OLD.product_id, OLD.size, -1, CASE WHEN OLD.status = 'in_stock' THEN -1 ELSE 0 END)
    ON CONFLICT(product_id, size) DO UPDATE SET items = items - 1,
        in_stock = in_stock + excluded.in_stock;
    INSERT INTO kpi_stock(product_id, size, items, in_stock)
    VALUES (NEW.product_id, NEW.size, 1, CASE WHEN NEW.status = 'in_stock' THEN 1 ELSE 0 END)
    ON CONFLICT(product_id, size) DO UPDATE SET items = items + 1,
        in_stock = in_stock + excluded.in_stock;
END;

-- purchase lines: counted on their purchase's day while the purchase exists
CREATE TRIGGER agg_purchase_lines_ins AFTER INSERT ON purchase_lines BEGIN
    INSERT INTO kpi_days(day, lines, revenue_cents)
    SELECT purchased_at / 86400, 1, NEW.price_cents FROM purchases WHERE id = NEW.purchase_id
    ON CONFLICT(day) DO UPDATE SET lines = lines + 1,
        revenue_cents = revenue_cents + excluded.revenue_cents;
    INSERT INTO kpi_product_days(day, product_id, units, revenue_cents)
    SELECT purchased_at / 86400, NEW.product_id, 1, NEW.price_cents FROM purchases
    WHERE id = NEW.purchase_id
    ON CONFLICT(day, product_id) DO UPDATE SET units = units + 1,
        revenue_cents = revenue_cents + excluded.revenue_cents;
END;
CREATE TRIGGER agg_purchase_lines_del AFTER DELETE ON purchase_lines BEGIN
    INSERT INTO kpi_days(day, lines, revenue_cents)
    SELECT purchased_at / 86400, -1, -OLD.price_cents FROM purchases WHERE id = OLD.purchase_id
    ON CONFLICT(day) DO UPDATE SET lines = lines - 1,
        revenue_cents = revenue_cents + excluded.revenue_cents;
    INSERT INTO kpi_product_days(day, product_id, units, revenue_cents)
    SELECT purchased_at / 86400, OLD.product_id, -1, -OLD.price_cents FROM purchases
    WHERE id = OLD.purchase_id
    ON CONFLICT(day, product_id) DO UPDATE SET units = units - 1,
        revenue_cents = revenue_cents + excluded.revenue_cents;
END;
CREATE TRIGGER agg_purchase_lines_upd AFTER UPDATE OF purchase_id, product_id, price_cents
    ON purchase_lines BEGIN
    INSERT INTO kpi_days(day, lines, revenue_cents)
    SELECT purchased_at / 86400, -1, -OLD.price_cents FROM purchases WHERE id = OLD.purchase_id
    ON CONFLICT(day) DO UPDATE SET lines = lines - 1,
        revenue_cents = revenue_cents + excluded.revenue_cents;
    INSERT INTO kpi_product_days(day, product_id, units, revenue_cents)
    SELECT purchased_at / 86400, OLD.product_id, -1, -OLD.price_cents FROM purchases
    WHERE id = OLD.purchase_id
    ON CONFLICT(day, product_id) DO UPDATE SET units = units - 1,
        revenue_cents = revenue_cents + excluded.revenue_cents;
    INSERT INTO kpi_days(day, lines, revenue_cents)
    SELECT purchased_at / 86400, 1, NEW.price_cents FROM purchases WHERE id = NEW.purchase_id
    ON CONFLICT(day) DO UPDATE SET lines = lines + 1,
        revenue_cents = revenue_cents + excluded.revenue_cents;
    INSERT INTO kpi_product_days(day, product_id, units, revenue_cents)
    SELECT purchased_at / 86400, NEW.product_id, 1, NEW.price_cents FROM purchases
    WHERE id = NEW.purchase_id
    ON CONFLICT(day, product_id) DO UPDATE SET units = units + 1,
        revenue_cents = revenue_cents + excluded.revenue_cents;
END;

-- purchases: the purchase, its lines, its customer's day and its session's conversion. A
-- buyer's new day d between purchase days p (or -1) and q moves q's row from (q, p) to (q, d)
-- and adds (d, p); a day that loses its last purchase undoes that.
CREATE TRIGGER agg_purchases_ins AFTER INSERT ON purchases BEGIN
    INSERT INTO kpi_days(day, purchases, lines, revenue_cents)
    SELECT NEW.purchased_at / 86400, 1, count(*), coalesce(sum(price_cents), 0)
    FROM purchase_lines WHERE purchase_id = NEW.id
    ON CONFLICT(day) DO UPDATE SET purchases = purchases + 1, lines = lines + excluded.lines,
        revenue_cents = revenue_cents + excluded.revenue_cents;
    INSERT INTO kpi_product_days(day, product_id, units, revenue_cents)
    SELECT NEW.purchased_at / 86400, product_id, count(*), sum(price_cents) FROM purchase_lines
    WHERE purchase_id = NEW.id GROUP BY product_id
    ON CONFLICT(day, product_id) DO UPDATE SET units = units + excluded.units,
        revenue_cents = revenue_cents + excluded.revenue_cents;
    INSERT INTO kpi_buyer_days(day, prev_day, n)
    SELECT CASE r.k WHEN 0 THEN b.d ELSE b.q END, CASE r.k WHEN 2 THEN b.d ELSE b.p END,
           CASE r.k WHEN 0 THEN 1 WHEN 1 THEN -1 ELSE 1 END
    FROM (SELECT NEW.purchased_at / 86400 AS d,
                 coalesce((SELECT max(day) FROM kpi_customer_days
                           WHERE customer_id = NEW.customer_id
                             AND day < NEW.purchased_at / 86400), -1) AS p,
                 (SELECT min(day) FROM kpi_customer_days
                  WHERE customer_id = NEW.customer_id AND day > NEW.purchased_at / 86400) AS q
          WHERE NEW.customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kpi_customer_days
              WHERE customer_id = NEW.customer_id AND day = NEW.purchased_at / 86400
                    )) AS b
    JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) AS r ON r.k = 0 OR b.q IS NOT NULL
    WHERE true ON CONFLICT(day, prev_day) DO UPDATE SET n = n + excluded.n;
    INSERT INTO kpi_customer_days(customer_id, day, purchases)
    SELECT NEW.customer_id, NEW.purchased_at / 86400, 1 WHERE NEW.customer_id IS NOT NULL
    ON CONFLICT(customer_id, day) DO UPDATE SET purchases = purchases + 1;
    INSERT INTO kpi_days(day, converted)
    SELECT started_at / 86400, 1 FROM sessions WHERE id = NEW.session_id
        AND (SELECT count(*) FROM purchases WHERE session_id = NEW.session_id) = 1
    ON CONFLICT(day) DO UPDATE SET converted = converted + excluded.converted;
    DELETE FROM heatmaps WHERE scope = 'day' AND from_t IN (
        SELECT started_at / 86400 * 86400 FROM sessions WHERE id = NEW.session_id
        AND (SELECT count(*) FROM purchases WHERE session_id = NEW.session_id) = 1
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = NEW.session_id));
    DELETE FROM floor_zone_days WHERE day IN (
        SELECT started_at / 86400 FROM sessions WHERE id = NEW.session_id
        AND (SELECT count(*) FROM purchases WHERE session_id = NEW.session_id) = 1
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = NEW.session_id));
    DELETE FROM floor_transition_days WHERE day IN (
        SELECT started_at / 86400 FROM sessions WHERE id = NEW.session_id
        AND (SELECT count(*) FROM purchases WHERE session_id = NEW.session_id) = 1
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = NEW.session_id));
    INSERT INTO floor_days(day, stale)
        SELECT started_at / 86400, 1 FROM sessions WHERE id = NEW.session_id
        AND (SELECT count(*) FROM purchases WHERE session_id = NEW.session_id) = 1
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = NEW.session_id)
    ON CONFLICT(day) DO UPDATE SET stale = 1, positions = 0, sessions = 0, outside = 0;
END;
CREATE TRIGGER agg_purchases_del AFTER DELETE ON purchases BEGIN
    INSERT INTO kpi_days(day, purchases, lines, revenue_cents)
    SELECT OLD.purchased_at / 86400, -1, -count(*), -coalesce(sum(price_cents), 0)
    FROM purchase_lines WHERE purchase_id = OLD.id
    ON CONFLICT(day) DO UPDATE SET purchases = purchases - 1, lines = lines + excluded.lines,
        revenue_cents = revenue_cents + excluded.revenue_cents;
    INSERT INTO kpi_product_days(day, product_id, units, revenue_cents)
    SELECT OLD.purchased_at / 86400, product_id, -count(*), -sum(price_cents) FROM purchase_lines
    WHERE purchase_id = OLD.id GROUP BY product_id
    ON CONFLICT(day, product_id) DO UPDATE SET units = units + excluded.units,
        revenue_cents = revenue_cents + excluded.revenue_cents;
    UPDATE kpi_customer_days SET purchases = purchases - 1
    WHERE customer_id = OLD.customer_id AND day = OLD.purchased_at / 86400;
    INSERT INTO kpi_buyer_days(day, prev_day, n)
    SELECT CASE r.k WHEN 0 THEN b.d ELSE b.q END, CASE r.k WHEN 2 THEN b.d ELSE b.p END,
           CASE r.k WHEN 0 THEN -1 WHEN 1 THEN 1 ELSE -1 END
    FROM (SELECT OLD.purchased_at / 86400 AS d,
                 coalesce((SELECT max(day) FROM kpi_customer_days
                           WHERE customer_id = OLD.customer_id
                             AND day < OLD.purchased_at / 86400), -1) AS p,
                 (SELECT min(day) FROM kpi_customer_days
                  WHERE customer_id = OLD.customer_id AND day > OLD.purchased_at / 86400) AS q
          WHERE OLD.customer_id IS NOT NULL AND EXISTS (SELECT 1 FROM kpi_customer_days
              WHERE customer_id = OLD.customer_id AND day = OLD.purchased_at / 86400
                    AND purchases <= 0)) AS b
    JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) AS r ON r.k = 0 OR b.q IS NOT NULL
    WHERE true ON CONFLICT(day, prev_day) DO UPDATE SET n = n + excluded.n;
    DELETE FROM kpi_customer_days
    WHERE customer_id = OLD.customer_id AND day = OLD.purchased_at / 86400 AND purchases <= 0;
    INSERT INTO kpi_days(day, converted)
    SELECT started_at / 86400, -1 FROM sessions WHERE id = OLD.session_id
        AND NOT EXISTS (SELECT 1 FROM purchases WHERE session_id = OLD.session_id)
    ON CONFLICT(day) DO UPDATE SET converted = converted + excluded.converted;
    DELETE FROM heatmaps WHERE scope = 'day' AND from_t IN (
        SELECT started_at / 86400 * 86400 FROM sessions WHERE id = OLD.session_id
        AND NOT EXISTS (SELECT 1 FROM purchases WHERE session_id = OLD.session_id)
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = OLD.session_id));
    DELETE FROM floor_zone_days WHERE day IN (
        SELECT started_at / 86400 FROM sessions WHERE id = OLD.session_id
        AND NOT EXISTS (SELECT 1 FROM purchases WHERE session_id = OLD.session_id)
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = OLD.session_id));
    DELETE FROM floor_transition_days WHERE day IN (
        SELECT started_at / 86400 FROM sessions WHERE id = OLD.session_id
        AND NOT EXISTS (SELECT 1 FROM purchases WHERE session_id = OLD.session_id)
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = OLD.session_id));
    INSERT INTO floor_days(day, stale)
        SELECT started_at / 86400, 1 FROM sessions WHERE id = OLD.session_id
        AND NOT EXISTS (SELECT 1 FROM purchases WHERE session_id = OLD.session_id)
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = OLD.session_id)
    ON CONFLICT(day) DO UPDATE SET stale = 1, positions = 0, sessions = 0, outside = 0;
END;
CREATE TRIGGER agg_purchases_upd AFTER UPDATE OF id, session_id, customer_id, purchased_at
    ON purchases BEGIN
    INSERT INTO kpi_days(day, purchases, lines, revenue_cents)
    SELECT OLD.purchased_at / 86400, -1, -count(*), -coalesce(sum(price_cents), 0)
    FROM purchase_lines WHERE purchase_id = OLD.id
    ON CONFLICT(day) DO UPDATE SET purchases = purchases - 1, lines = lines + excluded.lines,
        revenue_cents = revenue_cents + excluded.revenue_cents;
    INSERT INTO kpi_product_days(day, product_id, units, revenue_cents)
    SELECT OLD.purchased_at / 86400, product_id, -count(*), -sum(price_cents) FROM purchase_lines
    WHERE purchase_id = OLD.id GROUP BY product_id
    ON CONFLICT(day, product_id) DO UPDATE SET units = units + excluded.units,
        revenue_cents = revenue_cents + excluded.revenue_cents;
    UPDATE kpi_customer_days SET purchases = purchases - 1
    WHERE customer_id = OLD.customer_id AND day = OLD.purchased_at / 86400;
    INSERT INTO kpi_buyer_days(day, prev_day, n)
    SELECT CASE r.k WHEN 0 THEN b.d ELSE b.q END, CASE r.k WHEN 2 THEN b.d ELSE b.p END,
           CASE r.k WHEN 0 THEN -1 WHEN 1 THEN 1 ELSE -1 END
    FROM (SELECT OLD.purchased_at / 86400 AS d,
                 coalesce((SELECT max(day) FROM kpi_customer_days
                           WHERE customer_id = OLD.customer_id
                             AND day < OLD.purchased_at / 86400), -1) AS p,
                 (SELECT min(day) FROM kpi_customer_days
                  WHERE customer_id = OLD.customer_id AND day > OLD.purchased_at / 86400) AS q
          WHERE OLD.customer_id IS NOT NULL AND EXISTS (SELECT 1 FROM kpi_customer_days
              WHERE customer_id = OLD.customer_id AND day = OLD.purchased_at / 86400
                    AND purchases <= 0)) AS b
    JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) AS r ON r.k = 0 OR b.q IS NOT NULL
    WHERE true ON CONFLICT(day, prev_day) DO UPDATE SET n = n + excluded.n;
    DELETE FROM kpi_customer_days
    WHERE customer_id = OLD.customer_id AND day = OLD.purchased_at / 86400 AND purchases <= 0;
    INSERT INTO kpi_days(day, converted)
    SELECT started_at / 86400, -1 FROM sessions WHERE id = OLD.session_id
        AND OLD.session_id IS NOT NEW.session_id
        AND NOT EXISTS (SELECT 1 FROM purchases WHERE session_id = OLD.session_id)
    ON CONFLICT(day) DO UPDATE SET converted = converted + excluded.converted;
    DELETE FROM heatmaps WHERE scope = 'day' AND from_t IN (
        SELECT started_at / 86400 * 86400 FROM sessions WHERE id = OLD.session_id
        AND OLD.session_id IS NOT NEW.session_id
        AND NOT EXISTS (SELECT 1 FROM purchases WHERE session_id = OLD.session_id)
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = OLD.session_id));
    DELETE FROM floor_zone_days WHERE day IN (
        SELECT started_at / 86400 FROM sessions WHERE id = OLD.session_id
        AND OLD.session_id IS NOT NEW.session_id
        AND NOT EXISTS (SELECT 1 FROM purchases WHERE session_id = OLD.session_id)
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = OLD.session_id));
    DELETE FROM floor_transition_days WHERE day IN (
        SELECT started_at / 86400 FROM sessions WHERE id = OLD.session_id
        AND OLD.session_id IS NOT NEW.session_id
        AND NOT EXISTS (SELECT 1 FROM purchases WHERE session_id = OLD.session_id)
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = OLD.session_id));
    INSERT INTO floor_days(day, stale)
        SELECT started_at / 86400, 1 FROM sessions WHERE id = OLD.session_id
        AND OLD.session_id IS NOT NEW.session_id
        AND NOT EXISTS (SELECT 1 FROM purchases WHERE session_id = OLD.session_id)
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = OLD.session_id)
    ON CONFLICT(day) DO UPDATE SET stale = 1, positions = 0, sessions = 0, outside = 0;
    INSERT INTO kpi_days(day, purchases, lines, revenue_cents)
    SELECT NEW.purchased_at / 86400, 1, count(*), coalesce(sum(price_cents), 0)
    FROM purchase_lines WHERE purchase_id = NEW.id
    ON CONFLICT(day) DO UPDATE SET purchases = purchases + 1, lines = lines + excluded.lines,
        revenue_cents = revenue_cents + excluded.revenue_cents;
    INSERT INTO kpi_product_days(day, product_id, units, revenue_cents)
    SELECT NEW.purchased_at / 86400, product_id, count(*), sum(price_cents) FROM purchase_lines
    WHERE purchase_id = NEW.id GROUP BY product_id
    ON CONFLICT(day, product_id) DO UPDATE SET units = units + excluded.units,
        revenue_cents = revenue_cents + excluded.revenue_cents;
    INSERT INTO kpi_buyer_days(day, prev_day, n)
    SELECT CASE r.k WHEN 0 THEN b.d ELSE b.q END, CASE r.k WHEN 2 THEN b.d ELSE b.p END,
           CASE r.k WHEN 0 THEN 1 WHEN 1 THEN -1 ELSE 1 END
    FROM (SELECT NEW.purchased_at / 86400 AS d,
                 coalesce((SELECT max(day) FROM kpi_customer_days
                           WHERE customer_id = NEW.customer_id
                             AND day < NEW.purchased_at / 86400), -1) AS p,
                 (SELECT min(day) FROM kpi_customer_days
                  WHERE customer_id = NEW.customer_id AND day > NEW.purchased_at / 86400) AS q
          WHERE NEW.customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kpi_customer_days
              WHERE customer_id = NEW.customer_id AND day = NEW.purchased_at / 86400
                    )) AS b
    JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) AS r ON r.k = 0 OR b.q IS NOT NULL
    WHERE true ON CONFLICT(day, prev_day) DO UPDATE SET n = n + excluded.n;
    INSERT INTO kpi_customer_days(customer_id, day, purchases)
    SELECT NEW.customer_id, NEW.purchased_at / 86400, 1 WHERE NEW.customer_id IS NOT NULL
    ON CONFLICT(customer_id, day) DO UPDATE SET purchases = purchases + 1;
    INSERT INTO kpi_days(day, converted)
    SELECT started_at / 86400, 1 FROM sessions WHERE id = NEW.session_id
        AND OLD.session_id IS NOT NEW.session_id
        AND (SELECT count(*) FROM purchases WHERE session_id = NEW.session_id) = 1
    ON CONFLICT(day) DO UPDATE SET converted = converted + excluded.converted;
    DELETE FROM heatmaps WHERE scope = 'day' AND from_t IN (
        SELECT started_at / 86400 * 86400 FROM sessions WHERE id = NEW.session_id
        AND OLD.session_id IS NOT NEW.session_id
        AND (SELECT count(*) FROM purchases WHERE session_id = NEW.session_id) = 1
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = NEW.session_id));
    DELETE FROM floor_zone_days WHERE day IN (
        SELECT started_at / 86400 FROM sessions WHERE id = NEW.session_id
        AND OLD.session_id IS NOT NEW.session_id
        AND (SELECT count(*) FROM purchases WHERE session_id = NEW.session_id) = 1
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = NEW.session_id));
    DELETE FROM floor_transition_days WHERE day IN (
        SELECT started_at / 86400 FROM sessions WHERE id = NEW.session_id
        AND OLD.session_id IS NOT NEW.session_id
        AND (SELECT count(*) FROM purchases WHERE session_id = NEW.session_id) = 1
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = NEW.session_id));
    INSERT INTO floor_days(day, stale)
        SELECT started_at / 86400, 1 FROM sessions WHERE id = NEW.session_id
        AND OLD.session_id IS NOT NEW.session_id
        AND (SELECT count(*) FROM purchases WHERE session_id = NEW.session_id) = 1
        AND EXISTS (SELECT 1 FROM positions WHERE session_id = NEW.session_id)
    ON CONFLICT(day) DO UPDATE SET stale = 1, positions = 0, sessions = 0, outside = 0;
END;
