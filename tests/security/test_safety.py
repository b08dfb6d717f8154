"""c360 never deletes or overwrites what it did not create (issue 13, point 4).

The CLI is pointed at files and folders it did not make; each refusal is one line and
leaves every byte where it was. Only c360-marked things are ever removed.
"""

from __future__ import annotations

import duckdb
import pytest

from toolkit import safety
from toolkit.cli import main
from toolkit.db import connect
from toolkit.errors import C360Error
from toolkit.generate import generate_landing
from toolkit.pipeline.runner import run_pipeline


def _user_duckdb(path):
    con = duckdb.connect(str(path))
    con.execute("create table notes as select 'keep me' as note")
    con.close()
    return path.read_bytes()


def _refused_in_one_line(capsys, argv) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "refusing to touch" in err, err
    return err


def test_duckdb_magic_bytes_sit_at_offset_8_on_a_real_file(tmp_path):
    """safety._looks_like_duckdb relies on the main header layout: checksum, then "DUCK"."""
    path = tmp_path / "real.duckdb"
    duckdb.connect(str(path)).close()
    assert path.read_bytes()[8:12] == b"DUCK"
    assert safety._looks_like_duckdb(path)


def test_demo_refuses_a_db_that_is_not_a_duckdb_file(tmp_path, capsys):
    notes = tmp_path / "notes.duckdb"
    notes.write_text("my meeting notes\n")
    err = _refused_in_one_line(capsys, ["demo", "--no-app", "--db", str(notes)])
    assert "not a c360 database" in err
    assert notes.read_text() == "my meeting notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.duckdb"]


def test_demo_refuses_a_duckdb_database_c360_did_not_create(tmp_path, capsys):
    theirs = tmp_path / "analysis.duckdb"
    before = _user_duckdb(theirs)
    _refused_in_one_line(capsys, ["demo", "--no-app", "--db", str(theirs)])
    assert theirs.read_bytes() == before
    assert not (tmp_path / "landing").exists()


@pytest.mark.parametrize(
    "command", [["pipeline", "run"], ["load"], ["build"], ["train"], ["score"], ["ask", "hi"]]
)
def test_every_db_command_refuses_a_foreign_file(tmp_path, capsys, command):
    foreign = tmp_path / "other.duckdb"
    before = _user_duckdb(foreign)
    _refused_in_one_line(capsys, [*command, "--db", str(foreign)])
    assert foreign.read_bytes() == before


def test_demo_refuses_a_landing_folder_it_did_not_create(tmp_path, capsys):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "budget.xlsx").write_text("the user's own file")
    err = _refused_in_one_line(capsys, ["demo", "--no-app", "--db", str(tmp_path / "c.duckdb")])
    assert "not created by c360" in err
    assert (landing / "budget.xlsx").read_text() == "the user's own file"
    assert not (tmp_path / "c.duckdb").exists()


def test_fresh_run_refusal_touches_neither_the_database_nor_the_landing(tmp_path):
    """The c360 database is not removed when the landing folder beside it is refused."""
    db = tmp_path / "c360.duckdb"
    connect(db).close()
    generate_landing(tmp_path / "landing", customers=20, seed=1, show_progress=False)
    (tmp_path / "landing" / "mine.txt").write_text("dropped in by the user")
    with pytest.raises(C360Error, match="'mine.txt', which c360 did not write"):
        run_pipeline(db, customers=20, seed=1, fresh=True, steps=())
    assert db.exists() and safety.is_c360_database(db)
    assert (tmp_path / "landing" / "_manifest.json").exists()
    assert (tmp_path / "landing" / "mine.txt").read_text() == "dropped in by the user"


def test_fresh_run_removes_what_c360_created(tmp_path):
    db = tmp_path / "c360.duckdb"
    connect(db).close()
    assert safety.is_c360_database(db)
    generate_landing(tmp_path / "landing", customers=20, seed=1, show_progress=False)
    run_pipeline(db, customers=20, seed=1, fresh=True, steps=())
    assert not (tmp_path / "landing").exists() and not db.exists()


def test_generate_refuses_a_folder_it_did_not_create(tmp_path, capsys):
    out = tmp_path / "work"
    out.mkdir()
    (out / "report.docx").write_text("quarterly")
    _refused_in_one_line(capsys, ["generate", "-n", "20", "--out", str(out)])
    assert sorted(p.name for p in out.iterdir()) == ["report.docx"]


def test_generate_replaces_its_own_landing_but_not_a_file_added_to_it(tmp_path, capsys):
    landing = tmp_path / "landing"
    assert main(["generate", "-n", "20", "--seed", "1", "--out", str(landing)]) == 0
    assert safety.is_c360_folder(landing, "landing")
    # a missing manifest (an interrupted run) or another request resets c360's own folder
    (landing / "_manifest.json").unlink()
    assert main(["generate", "-n", "25", "--seed", "1", "--out", str(landing)]) == 0
    assert '"customers": 25' in (landing / "_manifest.json").read_text()
    (landing / "notes.txt").write_text("mine")
    capsys.readouterr()
    _refused_in_one_line(capsys, ["generate", "-n", "30", "--seed", "1", "--out", str(landing)])
    assert (landing / "notes.txt").read_text() == "mine"
    assert '"customers": 25' in (landing / "_manifest.json").read_text()


def test_generate_adopts_an_empty_folder(tmp_path):
    landing = tmp_path / "empty"
    landing.mkdir()
    assert main(["generate", "-n", "20", "--out", str(landing)]) == 0
    assert safety.is_c360_folder(landing, "landing")


def test_a_forged_or_foreign_marker_is_not_c360s(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / safety.FOLDER_MARKER).write_text("not json")
    (folder / "customers").mkdir()
    with pytest.raises(C360Error):
        safety.reset_folder(folder, "landing", safety.LANDING_LAYOUT)
    assert (folder / "customers").exists()
    db = tmp_path / "x.duckdb"
    con = duckdb.connect(str(db))
    con.execute(f"create table main.{safety.MARKER_TABLE} as select 'someone' as created_by")
    con.close()
    assert not safety.is_c360_database(db)


def test_a_wal_without_its_database_is_left_alone(tmp_path):
    wal = tmp_path / "c.duckdb.wal"
    wal.write_bytes(b"\0" * 16)
    with pytest.raises(C360Error, match="write-ahead log"):
        safety.remove_database(tmp_path / "c.duckdb")
    assert wal.exists()


def test_a_db_path_that_is_a_folder_is_refused(tmp_path, capsys):
    _refused_in_one_line(capsys, ["load", "--db", str(tmp_path)])


def test_a_fresh_run_replaces_its_own_database_and_landing_twice_over(tmp_path):
    """The real generate + load steps, run fresh twice: the second run may remove what the
    first made (both marked), and the user's file beside them is never touched."""
    from toolkit.pipeline.dag import PIPELINE

    steps = tuple(s for s in PIPELINE if s.name in ("generate", "load"))
    db = tmp_path / "c360.duckdb"
    (tmp_path / "notes.txt").write_text("beside, not inside")
    for customers in (30, 40):
        run_pipeline(db, customers=customers, seed=3, fresh=True, steps=steps)
        assert safety.is_c360_database(db)
        assert safety.is_c360_folder(tmp_path / "landing", "landing")
        con = duckdb.connect(str(db), read_only=True)
        try:
            loaded = con.execute("select count(distinct customer_id) from bronze.raw_customers")
            assert loaded.fetchone()[0] == customers
        finally:
            con.close()
    assert (tmp_path / "notes.txt").read_text() == "beside, not inside"
