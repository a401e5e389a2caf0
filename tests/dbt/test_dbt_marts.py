"""The dbt project end to end on a tiny hand-known dataset.

One full `dbt build` (all data tests and unit tests) feeds the assertions; two
partitioned `dbt build --select tag:daily` runs check idempotency and that the window
limits the work; one more build checks a source without reviews.

The dataset (2024-01-01 .. 2024-02-14, 45 days) mixes a deterministic background of
regular shoppers with a few hand-made users whose facts the tests assert:

- ``ugap``: session-less events at 10:00, 10:30 (exactly 30 min) and 11:00:01 on
  2024-01-10 -> 2 sessions; ``usrc``: source session ``s-long`` spanning 2 h -> 1 session.
- ``uroll``: one view on 2024-01-05 -> views_7d is 1 on 2024-01-11, 0 on 2024-01-12.
- ``ulab``: view 2024-01-05, purchase at exactly 2024-01-15 00:00 -> for cutoff 01-08
  purchased_next_7d is false (cutoff + 7 d is excluded), for cutoff 01-15 it is true.
- ``ubot``: only a bot-labelled session (2024-01-03) -> never in labels.
- ``unew``: first seen 2024-02-10 -> segment ``new``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from shoplens.ingest.sql import lit  # noqa: E402
from shoplens.schema import QUARANTINE, TABLES  # noqa: E402

START = dt.date(2024, 1, 1)
N_DAYS = 45
PRODUCTS = [f"p{i}" for i in range(1, 6)]
DAILY_TABLES = {
    "fct_sessions": "session_start_date",
    "funnel_daily": "session_date",
    "user_features_daily": "feature_date",
    "product_features_daily": "feature_date",
    "product_demand_daily": "demand_date",
}


def _ts(day: int, hh: int, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime.combine(START + dt.timedelta(days=day), dt.time(hh, mm, ss))


def make_events() -> list[dict]:
    """The raw events: a background of regular shoppers plus the hand-made users."""
    rows: list[dict] = []

    def add(user, time, etype, product, session=None, order=None, quantity=1):
        rows.append(
            dict(event_id=f"e{len(rows):05d}", event_time=time, user_id=user, session_id=session,
                 event_type=etype, product_id=product, price=float(PRODUCTS.index(product) + 1) * 10,
                 quantity=quantity, order_id=order)
        )

    # background: user g<i> shops every i+1 days (g5 stops after day 15); g6 has no session ids
    for i in range(1, 7):
        user = f"g{i}"
        for day in range(0, N_DAYS, i + 1):
            if user == "g5" and day > 15:
                break
            session = None if user == "g6" else f"{user}-{day}"
            a, b = PRODUCTS[(day + i) % 5], PRODUCTS[(day + i + 1) % 5]
            add(user, _ts(day, 8 + i), "view", a, session)
            add(user, _ts(day, 8 + i, 5), "view", b, session)
            add(user, _ts(day, 8 + i, 10), "cart", a, session)
            if day % 3 == 0:
                add(user, _ts(day, 8 + i, 15), "cart", b, session)
                order = f"o-{user}-{day}" if i % 2 else None
                add(user, _ts(day, 8 + i, 20), "purchase", a, session, order, quantity=1)
                add(user, _ts(day, 8 + i, 20), "purchase", b, session, order, quantity=2)
            elif day % 3 == 1:
                add(user, _ts(day, 8 + i, 12), "remove_from_cart", a, session)

    # sessionisation facts (2024-01-10 = day 9)
    add("ugap", _ts(9, 10, 0), "view", "p1")
    add("ugap", _ts(9, 10, 30), "view", "p2")
    add("ugap", _ts(9, 11, 0, 1), "view", "p3")
    add("usrc", _ts(9, 10, 0), "view", "p1", "s-long")
    add("usrc", _ts(9, 12, 0), "cart", "p1", "s-long")
    # rolling window fact (2024-01-05 = day 4)
    add("uroll", _ts(4, 15), "view", "p4")
    # label facts
    add("ulab", _ts(4, 15), "view", "p2", "ulab-1")
    add("ulab", _ts(14, 0, 0, 0), "purchase", "p2", "ulab-2", "o-ulab")
    # bot and new user
    add("ubot", _ts(2, 3), "view", "p5", "bot-1")
    add("ubot", _ts(2, 3, 1), "view", "p4", "bot-1")
    add("unew", _ts(40, 12), "view", "p3", "unew-1")
    add("unew", _ts(40, 12, 5), "purchase", "p3", "unew-1", "o-unew")
    return rows


def make_reviews() -> list[dict]:
    return [
        dict(review_id="r1", user_id="g1", product_id="p1", rating=4, text="good",
             review_time=_ts(9, 18)),
        dict(review_id="r2", user_id="g1", product_id="p2", rating=2, text="meh",
             review_time=_ts(19, 18)),
        dict(review_id="r3", user_id="g2", product_id="p1", rating=5, text="great",
             review_time=_ts(20, 9)),
    ]


def _write(con: duckdb.DuckDBPyConnection, rows: list[dict], columns: dict[str, str], path: Path,
           extra: dict[str, str] | None = None) -> None:
    """Write rows as parquet with exactly the canonical column names and types."""
    all_columns = {**columns, **(extra or {})}
    frame = pd.DataFrame(rows, columns=list(all_columns))  # noqa: F841 (read by duckdb)
    select = ", ".join(f'cast("{c}" as {t}) as "{c}"' for c, t in all_columns.items())
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"copy (select {select} from frame) to {lit(str(path))} (format parquet)")


def write_raw(data_dir: Path, *, with_reviews: bool = True) -> None:
    """Write the dataset into data_dir/raw in ingest's layout (one events file per day)."""
    raw = data_dir / "raw"
    events = make_events()
    con = duckdb.connect()
    for day in range(N_DAYS):
        date = START + dt.timedelta(days=day)
        day_rows = [e for e in events if e["event_time"].date() == date]
        _write(con, day_rows, TABLES["events"], raw / "events" / f"event_date={date}" / "events.parquet")
    users = sorted({e["user_id"] for e in events})
    first = {u: min(e["event_time"] for e in events if e["user_id"] == u) for u in users}
    _write(
        con,
        [dict(user_id=u, first_seen=first[u], country="NL", signup_channel="web",
              email=f"{u}@example.com") for u in users],
        TABLES["users"], raw / "users.parquet", extra={"email": "VARCHAR"},
    )
    _write(con, [dict(product_id=p, category=f"c{i % 3}", brand="acme", price=(i + 1) * 10.0)
                 for i, p in enumerate(PRODUCTS)], TABLES["products"], raw / "products.parquet")
    _write(con, make_reviews() if with_reviews else [], TABLES["reviews"], raw / "reviews.parquet")
    _write(con, [dict(session_id="bot-1", is_bot=True), dict(session_id="g1-0", is_bot=False)],
           TABLES["session_labels"], raw / "session_labels.parquet")
    _write(con, [], QUARANTINE, raw / "quarantine.parquet")
    con.close()


def run_dbt(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the dbt CLI on the project against data_dir (given as a var, merged with any `--vars`);
    fail the test with dbt's log on error."""
    args = list(args)
    dbt_vars = {"data_dir": str(data_dir)}
    if "--vars" in args:
        at = args.index("--vars")
        dbt_vars |= json.loads(args.pop(at + 1))
        args.pop(at)
    result = subprocess.run(
        [str(DBT), *args, "--vars", json.dumps(dbt_vars), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--project-dir", str(DBT_PROJECT_DIR), "--target-path", str(data_dir / "dbt_target"),
         "--log-path", str(data_dir / "dbt_logs")],
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}, capture_output=True, text=True, timeout=300,
    )
    if result.returncode != 0:
        pytest.fail(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    return result


def query(data_dir: Path, sql: str) -> pd.DataFrame:
    """Read the warehouse read-only (dbt is the only writer)."""
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql).df()


WINDOW = ("2024-01-10", "2024-01-11")
DAILY_VARS = json.dumps({"start_date": str(WINDOW[0]), "end_date": str(WINDOW[1])})


def snapshot(data_dir: Path) -> dict[str, pd.DataFrame]:
    """Every daily table, fully sorted, so two snapshots compare row for row."""
    frames = {}
    for table in DAILY_TABLES:
        frame = query(data_dir, f"select * from {table}")
        frames[table] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return frames


def in_window(frame: pd.DataFrame, column: str) -> pd.Series:
    dates = pd.to_datetime(frame[column]).dt.date
    return (dates >= dt.date.fromisoformat(WINDOW[0])) & (dates <= dt.date.fromisoformat(WINDOW[1]))


def append_events(data_dir: Path, day: str, rows: list[tuple]) -> None:
    """Add events to one day's raw file (as a re-ingested day would)."""
    path = data_dir / "raw" / "events" / f"event_date={day}" / "events.parquet"
    values = ", ".join(
        f"('{eid}', timestamp '{t}', '{u}', '{s}', '{et}', '{p}', 10.0, 1, null)" for eid, t, u, s, et, p in rows
    )
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * from read_parquet('{path}', hive_partitioning = false) union all "
            f"select * from (values {values})) to '{path}.new' (format parquet)"
        )
    Path(f"{path}.new").replace(path)


def test_sessions_split_on_gap_and_keep_source_ids(built):
    sessions = query(built, "select user_id, session_key, n_events from fct_sessions "
                            "where user_id in ('ugap', 'usrc') order by session_start")
    assert dict(sessions.groupby("user_id").size()) == {"ugap": 2, "usrc": 1}
    # 10:00 and 10:30 (exactly 30 min) together, 11:00:01 alone
    assert sessions.loc[sessions.user_id == "ugap", "n_events"].tolist() == [2, 1]
    assert sessions.loc[sessions.user_id == "usrc", "session_key"].tolist() == ["s-long"]


def test_rolling_7d_drops_the_event_on_day_8(built):
    rows = query(built, "select feature_date, views_7d, views_30d, feature_timestamp "
                        "from user_features_daily where user_id = 'uroll' "
                        "and feature_date in ('2024-01-11', '2024-01-12') order by feature_date")
    assert rows.views_7d.tolist() == [1, 0]
    assert rows.views_30d.tolist() == [1, 1]
    assert rows.feature_timestamp.tolist() == [pd.Timestamp("2024-01-12"), pd.Timestamp("2024-01-13")]


def test_labels_known_user_and_bot(built):
    labels = query(built, "select cutoff_date, purchased_next_7d from labels "
                          "where user_id = 'ulab' order by cutoff_date")
    by_cutoff = dict(zip(labels.cutoff_date.astype(str), labels.purchased_next_7d))
    assert by_cutoff["2024-01-08"] == False  # noqa: E712 - purchase at exactly cutoff + 7 d
    assert by_cutoff["2024-01-15"] == True  # noqa: E712 - purchase at exactly the cutoff
    assert pd.isna(by_cutoff["2024-02-12"])  # immature: cutoff + 7 d after the data end
    assert query(built, "select count(*) as n from labels where user_id = 'ubot'").n[0] == 0


def test_label_cutoffs_meet_point_in_time_features(built):
    joined = query(built, """
        select labels.user_id, labels.cutoff_timestamp, features.feature_timestamp,
               features.days_since_last_event
        from labels
        left join user_features_daily as features
            on labels.user_id = features.user_id and labels.feature_date = features.feature_date
    """)
    assert len(joined) > 0
    assert (joined.feature_timestamp == joined.cutoff_timestamp).all()


def test_funnel_rates_are_shares(built):
    funnel = query(built, "select * from funnel_daily")
    session_days = query(built, "select distinct session_start_date from fct_sessions")
    assert len(funnel) == len(session_days) == 34  # 11 of the 45 days have no session
    for column in ["view_to_cart_rate", "cart_to_purchase_rate", "view_to_purchase_rate", "cart_abandonment_rate"]:
        assert funnel[column].dropna().between(0, 1).all(), column


def test_co_purchase_lift_is_symmetric(built):
    pairs = query(built, """
        select a.lift as lift_ab, b.lift as lift_ba, a.n_orders_together as n_ab, b.n_orders_together as n_ba
        from co_purchase_pairs as a
        inner join co_purchase_pairs as b on a.product_a = b.product_b and a.product_b = b.product_a
    """)
    assert len(pairs) == len(query(built, "select * from co_purchase_pairs")) > 0
    assert (pairs.lift_ab - pairs.lift_ba).abs().max() < 1e-9
    assert (pairs.n_ab == pairs.n_ba).all()


def test_rfm_segments(built):
    users = query(built, "select user_id, segment from dim_users")
    segment = dict(zip(users.user_id, users.segment))
    assert segment["unew"] == "new"
    assert segment["uroll"] == "browser"
    assert {"champions", "hibernating", "new", "browser"} <= set(users.segment)


def test_staging_never_selects_personal_data(built):
    columns = query(built, "select * from stg_users limit 0").columns
    assert list(columns) == ["user_id", "first_seen", "country", "signup_channel"]


# The rolling features by their plain definitions (a subquery per row and feature): whatever the model's SQL, it must
# match them row for row.
def _last(days: int, alias: str = "x", column: str = "event_date") -> str:
    """A correlated subquery's condition: the row's user, on the `days` days ending on its feature date."""
    return f"{alias}.user_id = f.user_id and {alias}.{column} between f.feature_date - {days - 1} and f.feature_date"


ROLLING_BY_DEFINITION = f"""
with days as (
    select user_id, event_date, count_if(event_type = 'view') as n_views, count_if(event_type = 'purchase') as n_purchases,
           sum(cast(purchase_amount as decimal(18, 4))) as spend
    from stg_events group by all
),
categories as (
    select distinct e.user_id, e.event_date, p.category
    from stg_events as e join stg_products as p using (product_id) where p.category is not null
),
sessions as (
    select user_id, session_key, event_date, bool_or(event_type = 'cart') as carted,
           bool_or(event_type = 'purchase') as purchased, date_diff('second', min(event_time), max(event_time)) as seconds
    from int_events_sessionized group by all
)
select
    f.user_id, f.feature_date,
    (select coalesce(sum(n_views), 0) from days x where {_last(1)}) as views_1d,
    (select coalesce(sum(n_views), 0) from days x where {_last(7)}) as views_7d,
    (select coalesce(sum(n_purchases), 0) from days x where {_last(30)}) as purchases_30d,
    (select cast(coalesce(sum(spend), 0) as double) from days x where {_last(30)}) as spend_30d_all,
    (select count(distinct category) from categories x where {_last(30)}) as distinct_categories_30d,
    (select count(*) from sessions x where {_last(30)}) as sessions_30d,
    (select count_if(carted and not purchased) / nullif(count_if(carted), 0) from sessions x where {_last(30)})
        as cart_abandonment_rate_30d,
    (select avg(seconds) / 60.0 from sessions x where {_last(30)}) as mean_session_minutes_30d,
    f.feature_date - (select max(event_date) from days x where x.user_id = f.user_id and x.event_date <= f.feature_date)
        as days_since_last_event,
    f.feature_date - (select max(event_date) from days x
                      where x.user_id = f.user_id and x.n_purchases > 0 and x.event_date <= f.feature_date)
        as days_since_last_purchase,
    (select count(*) from stg_reviews x where x.user_id = f.user_id and x.review_date <= f.feature_date) as n_reviews,
    (select avg(rating) from stg_reviews x where x.user_id = f.user_id and x.review_date <= f.feature_date)
        as mean_review_rating
from user_features_daily as f
order by 1, 2
"""


def test_rolling_features_match_their_definition_row_for_row(built):
    expected = query(built, ROLLING_BY_DEFINITION)
    columns = [c for c in expected.columns if c != "spend_30d_all"]
    actual = query(built, f"select {', '.join(columns)}, spend_30d from user_features_daily order by 1, 2")
    assert len(actual) == len(expected) > 100 and actual["n_reviews"].gt(0).any() and actual["sessions_30d"].gt(0).any()
    pd.testing.assert_frame_equal(actual[columns], expected[columns], check_dtype=False)
    priced = actual["spend_30d"].notna()
    assert priced.any()
    pd.testing.assert_series_equal(actual.loc[priced, "spend_30d"], expected.loc[priced, "spend_30d_all"], check_names=False)


def test_partitioned_rerun_is_idempotent(built):
    before = snapshot(built)
    run_dbt(built, "build", "--select", "tag:daily", "--vars", DAILY_VARS)
    after = snapshot(built)
    for table, date_column in DAILY_TABLES.items():
        assert len(after[table]) == len(before[table]), table
        pd.testing.assert_frame_equal(after[table], before[table], check_dtype=False, obj=table)
        assert in_window(after[table], date_column).any(), f"{table} has no rows in the window"


def test_partitioned_run_tests_only_its_window(built):
    # a duplicated feature row on a day outside the window: the window's tests never scan it,
    # a full run's tests fail on it
    warehouse = str(built / "warehouse.duckdb")
    with duckdb.connect(warehouse) as con:
        con.execute("insert into user_features_daily select * from user_features_daily "
                    "where feature_date = date '2024-01-20' limit 1")
    try:
        run_dbt(built, "test", "--select", "user_features_daily", "--vars", DAILY_VARS)
        with pytest.raises(pytest.fail.Exception, match="FAIL 1 unique_user_features_daily_user_id_feature_date"):
            run_dbt(built, "test", "--select", "user_features_daily")
    finally:
        with duckdb.connect(warehouse) as con:
            con.execute("delete from user_features_daily where rowid = (select max(rowid) from user_features_daily)")


def test_partitioned_run_reads_and_writes_only_its_window(built):
    # Mutates the built raw data, so it runs after every other test on `built`. (A copy
    # would not do: the staging views hold the absolute raw paths they were built with.)
    data_dir = built
    before = snapshot(data_dir)
    # one new event inside the window and one outside it (a later day)
    append_events(data_dir, "2024-01-11", [("x1", "2024-01-11 20:00:00", "g1", "g1-x1", "view", "p3")])
    append_events(data_dir, "2024-01-20", [("x2", "2024-01-20 20:00:00", "g1", "g1-x2", "view", "p3")])
    run_dbt(data_dir, "build", "--select", "tag:daily", "--vars", DAILY_VARS)
    after = snapshot(data_dir)
    for table, date_column in DAILY_TABLES.items():
        outside_before = before[table][~in_window(before[table], date_column)].reset_index(drop=True)
        outside_after = after[table][~in_window(after[table], date_column)].reset_index(drop=True)
        # 2024-01-20 changed in raw, yet rows outside the window are untouched
        pd.testing.assert_frame_equal(outside_after, outside_before, check_dtype=False, obj=table)
    views = query(data_dir, "select feature_date, views_1d from user_features_daily "
                            "where user_id = 'g1' and feature_date = '2024-01-11'")
    old_views = before["user_features_daily"].query("user_id == 'g1'")
    old_views = old_views[old_views.feature_date.astype(str) == "2024-01-11"].views_1d.item()
    assert views.views_1d.item() == old_views + 1
    assert query(data_dir, "select count(*) as n from fct_sessions where session_key = 'g1-x1'").n[0] == 1
    assert query(data_dir, "select count(*) as n from fct_sessions where session_key = 'g1-x2'").n[0] == 0


@pytest.fixture(scope="module")
def built_without_reviews(tmp_path_factory) -> Path:
    # the data directory is pasted into no SQL: quotes, spaces and unicode in its path build as well
    data_dir = tmp_path_factory.mktemp("shop's data — ünï no reviews")
    write_raw(data_dir, with_reviews=False)
    run_dbt(data_dir, "build")
    return data_dir


def test_builds_without_reviews(built_without_reviews):
    users = query(built_without_reviews, "select count(mean_review_rating) as rated, max(n_reviews) as n "
                                         "from user_features_daily")
    assert users.rated[0] == 0 and users.n[0] == 0
    products = query(built_without_reviews, "select count(mean_rating) as rated, max(n_reviews) as n "
                                            "from dim_products")
    assert products.rated[0] == 0 and products.n[0] == 0
    assert query(built_without_reviews, "select count(*) as n from labels").n[0] > 0
