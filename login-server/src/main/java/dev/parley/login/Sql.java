package dev.parley.login;

import java.sql.SQLException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** What differs between the two supported databases, SQLite and PostgreSQL, in their JDBC errors. */
final class Sql {
    /** PostgreSQL's SQLSTATE unique_violation (PostgreSQL manual, Appendix A). */
    static final String PG_UNIQUE_VIOLATION = "23505";

    private Sql() {}

    /** @return whether {@code e} says a primary key or unique constraint rejected the row, on either database */
    static boolean isUniqueViolation(SQLException e) {
        // SQLite's extended result codes SQLITE_CONSTRAINT_PRIMARYKEY and _UNIQUE (sqlite.org/rescode.html).
        return PG_UNIQUE_VIOLATION.equals(e.getSQLState()) || e instanceof SQLiteException se
                && (se.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY
                        || se.getResultCode() == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE);
    }
}
