"""Reading the team's real data: CSV, Parquet and JSON Lines files, SQL tables or queries (SQLite
embedded, PostgreSQL and anything else SQLAlchemy reaches), read-only and bounded by ``sample``.

Only the columns the checks need are read (columnar for Parquet); timestamp columns are read as text
so that their precision and offsets can be judged as written. pandas is imported here, never at start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness.evidence import DataError
from readiness.manifest import DataSource, LoadedManifest

__all__ = ["DataError", "Frame", "describe", "needed_columns", "read"]


@dataclass
class Frame:
    """A table as the checks see it: the rows read, and what they were read from."""

    df: Any  # pandas.DataFrame
    source: str
    sampled: bool
    """Only the first ``sample`` rows were read (``data.X.sample``)."""
    columns_missing: list[str]
    all_columns: list[str] = field(default_factory=list)
    """Every column the source has, including those not read."""
    counter: Callable[[], int | None] | None = field(default=None, repr=False)
    _total: int | None = field(default=None, repr=False)

    @property
    def total_rows(self) -> int | None:
        """Rows in the whole source (counted on first use when only a sample was read; None when unknown)."""
        if not self.sampled:
            return len(self.df)
        if self._total is None and self.counter is not None:
            self._total = self.counter()
        return self._total

    @property
    def rows_read(self) -> int:
        return len(self.df)


def describe(source: DataSource) -> str:
    if source.path:
        return source.path
    from urllib.parse import urlsplit

    url = urlsplit(source.url or "")
    where = f"{url.scheme}://{url.hostname or ''}{url.path}"  # never the password
    return f"{where} {source.table or 'query'}"


def _format(source: DataSource, path: Path) -> str:
    if source.format:
        return source.format
    suffix = path.suffix.lower()
    return {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(
        suffix, "csv"
    )


def read(loaded: LoadedManifest, source: DataSource, columns: list[str] | None, text_columns: list[str]) -> Frame:
    """Read ``columns`` (all when None) from ``source``; ``text_columns`` stay strings."""
    import pandas as pd

    name = describe(source)
    all_columns: list[str] = []
    counter: Callable[[], int | None] | None = None
    try:
        if source.engine == "spark":
            df = _read_spark(loaded, source, columns)
        elif source.path:
            path = loaded.resolve(source.path)
            fmt = _format(source, path)
            if fmt == "parquet":
                import pyarrow.parquet as pq

                parquet = pq.ParquetFile(path)
                available = all_columns = list(parquet.schema_arrow.names)
                rows_in_file = parquet.metadata.num_rows
                counter = lambda: rows_in_file  # noqa: E731 - from the file's metadata
                wanted = [c for c in columns if c in available] if columns is not None else None
                table = pq.read_table(path, columns=wanted)
                if source.sample:
                    table = table.slice(0, source.sample)
                # self_destruct frees each Arrow column as it is converted: the peak stays near one copy
                df = table.to_pandas(self_destruct=True, split_blocks=True)
                del table
            elif fmt == "jsonl":
                df = pd.read_json(path, lines=True, nrows=source.sample, dtype=False)
                all_columns = list(df.columns)
                counter = lambda: _count_lines(path)  # noqa: E731
                if columns is not None:
                    df = df[[c for c in columns if c in df.columns]]
            else:
                header = pd.read_csv(path, nrows=0).columns
                all_columns = [str(c) for c in header]
                wanted = [c for c in columns if c in header] if columns is not None else list(header)
                # declared text stays text: 0791234567 is a phone number, 01234 a postcode
                df = pd.read_csv(
                    path,
                    usecols=wanted,
                    nrows=source.sample,
                    dtype={c: "string" for c in text_columns if c in wanted},
                    keep_default_na=True,
                )
                counter = lambda: max(0, _count_lines(path) - 1)  # noqa: E731 - less the header
        else:
            df, all_columns, counter = _read_sql(source, columns)
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{name}: file not found") from None
    except Exception as exc:  # pandas, pyarrow and drivers raise many types: name the source, keep the cause
        raise DataError(f"{name}: cannot read: {type(exc).__name__}: {str(exc)[:300]}") from None
    for column in text_columns:
        if column in df.columns:
            df[column] = df[column].astype("string")
    missing = [c for c in columns or [] if c not in df.columns]
    sampled = source.sample is not None and source.sample > 0 and len(df) >= source.sample
    return Frame(
        df=df,
        source=name,
        sampled=sampled,
        columns_missing=missing,
        all_columns=all_columns or [str(c) for c in df.columns],
        counter=counter,
    )


def _count_lines(path: Path) -> int:
    """Non-empty lines of a text file, counted in binary blocks (a CSV row with a quoted line break
    counts twice: the figure is the file's lines)."""
    count, last = 0, b"\n"
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def spark_session() -> Any:
    """A local Spark session (or the one already active, e.g. on a cluster driver)."""
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        raise DataError("engine spark needs pyspark: pip install 'readiness[spark]' (and Java 17)")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    return (
        SparkSession.builder.master("local[2]")
        .appName("readiness")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


def _read_spark(loaded: LoadedManifest, source: DataSource, columns: list[str] | None) -> Any:
    """Spark reads, prunes columns and bounds rows where the data lives; the bounded rows come back
    to pandas (through Arrow) for the checks."""
    spark = spark_session()
    if source.path:
        path = str(loaded.resolve(source.path))
        fmt = _format(source, Path(path))
        reader = spark.read
        if fmt == "csv":
            sdf = reader.option("header", True).option("inferSchema", True).csv(path)
        elif fmt == "jsonl":
            sdf = reader.json(path)
        else:
            sdf = reader.parquet(path)
    elif source.table:
        sdf = spark.table(source.table)
    else:
        sdf = spark.sql(source.query)
    if columns is not None:
        sdf = sdf.select(*[c for c in columns if c in sdf.columns])
    if source.sample:
        sdf = sdf.limit(source.sample)
    return sdf.toPandas()


def read_only_url(source: DataSource) -> Any:
    """The source's SQLAlchemy URL, opened read-only: SQLite through a ``mode=ro`` URI (a missing file
    is an error, never a new empty database); PostgreSQL gets a read-only transaction on connect."""
    import sqlalchemy as sa

    url = sa.engine.make_url(source.url or "")
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return url
    if url.database.startswith("file:"):
        return url  # already a URI: the manifest's own flags
    path = Path(url.database)
    if not path.is_file():
        raise DataError(f"{describe(source)}: no such SQLite file {url.database!r} (readiness never creates one)")
    from urllib.parse import quote

    return url.set(database=f"file:{quote(str(path.resolve()))}?mode=ro", query={**url.query, "uri": "true"})


def _read_sql(source: DataSource, columns: list[str] | None) -> Any:
    import pandas as pd
    import sqlalchemy as sa

    engine = sa.create_engine(read_only_url(source), pool_pre_ping=True)
    try:
        with engine.connect() as con:
            con = con.execution_options(postgresql_readonly=True) if engine.dialect.name == "postgresql" else con
            if source.query:
                inner = f"({source.query}) AS readiness_source"
                sql = f"SELECT * FROM {inner}"  # noqa: S608 - the manifest's own query
                if source.sample:
                    sql += f" LIMIT {int(source.sample)}"
                df = pd.read_sql_query(sa.text(sql), con)
                count_sql: Any = sa.text(f"SELECT COUNT(*) FROM {inner}")  # noqa: S608 - the manifest's own query
                all_columns = [str(c) for c in df.columns]
            else:
                table = sa.Table(source.table or "", sa.MetaData(), autoload_with=con)
                cols = [table.c[c] for c in columns if c in table.c] if columns is not None else [table]
                stmt = sa.select(*cols)
                if source.sample:
                    stmt = stmt.limit(source.sample)
                df = pd.read_sql_query(stmt, con)
                count_sql = sa.select(sa.func.count()).select_from(table)
                all_columns = [c.name for c in table.columns]
            total = None
            if source.sample and len(df) >= source.sample:  # counted now, while the read-only connection is open
                total = int(con.execute(count_sql).scalar_one())
            return df, all_columns, (lambda: total)
    except sa.exc.NoSuchTableError:
        raise DataError(f"{describe(source)}: no such table {source.table!r}") from None
    except sa.exc.OperationalError as exc:
        raise DataError(f"{describe(source)}: cannot connect or query: {str(exc.orig)[:200]}") from None
    finally:
        engine.dispose()


def needed_columns(loaded: LoadedManifest) -> tuple[list[str] | None, list[str]]:
    """The columns the data checks read (None: all, when expectations or drift need every column),
    and which of them must stay text (timestamps)."""
    data = loaded.manifest.data
    text = text_columns(loaded)
    if data is None:
        return None, text
    if not data.columns or data.expectation_suites or data.reference is not None:
        return None, text  # drift compares every shared column, undeclared ones too
    wanted = set(data.columns) | set(data.keys) | set(text)
    if data.timestamps and data.timestamps.stream_key:
        wanted.add(data.timestamps.stream_key)
    if data.freshness:
        wanted.add(data.freshness.column)
    for exp in data.expectations:
        for key, value in exp.kwargs.items():
            if key.startswith("column") and isinstance(value, str):
                wanted.add(value)
            elif key.startswith("column") and isinstance(value, list):
                wanted.update(v for v in value if isinstance(v, str))
    return sorted(wanted), text


def text_columns(loaded: LoadedManifest) -> list[str]:
    """Columns read as text whatever they look like: declared ``str`` columns (0791234567 is a phone
    number, 01234 a postcode) and timestamps written as text (numeric epoch or year formats are numbers)."""
    data = loaded.manifest.data
    if data is None:
        return []
    text = {c for c, rule in data.columns.items() if rule.type in {"str", "timestamp"}}
    if data.timestamps:
        if data.timestamps.format in {"iso8601", "iso8601_space"}:
            text.add(data.timestamps.column)
        else:
            text.discard(data.timestamps.column)
    return sorted(text)
