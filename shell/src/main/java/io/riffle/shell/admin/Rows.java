package io.riffle.shell.admin;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A result set of an admin command: named columns and rows of cells, printed as an aligned table
 * (missing values as {@code -}), as a JSON array of objects (numbers as numbers, missing values as
 * {@code null}) or as RFC 4180 CSV with a header line. Not thread-safe: built and printed by the
 * command's thread.
 */
final class Rows {

    private final List<String> columns;
    private final List<List<Object>> rows = new ArrayList<>();

    Rows(String... columns) {
        this.columns = List.of(columns);
    }

    Rows add(Object... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + columns.size() + " columns");
        }
        rows.add(java.util.Arrays.asList(cells));
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    /** The rows as JSON-ready maps, keys being the column names in lower case with '_' for '-'. */
    List<Map<String, Object>> asMaps() {
        List<Map<String, Object>> maps = new ArrayList<>(rows.size());
        for (List<Object> row : rows) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (int c = 0; c < columns.size(); c++) {
                map.put(jsonKey(columns.get(c)), row.get(c));
            }
            maps.add(map);
        }
        return maps;
    }

    void print(PrintStream out, OutputFormat format) {
        switch (format) {
            case table -> printTable(out);
            case json -> out.println(Json.write(asMaps()));
            case csv -> printCsv(out);
            default -> throw new IllegalStateException("unknown format " + format);
        }
        out.flush();
    }

    static String jsonKey(String column) {
        return column.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    private void printTable(PrintStream out) {
        int[] widths = new int[columns.size()];
        for (int c = 0; c < columns.size(); c++) {
            widths[c] = columns.get(c).length();
            for (List<Object> row : rows) {
                widths[c] = Math.max(widths[c], tableCell(row.get(c)).length());
            }
        }
        out.println(tableLine(columns.stream().map(s -> (Object) s).toList(), widths));
        for (List<Object> row : rows) {
            out.println(tableLine(row, widths));
        }
    }

    private static String tableLine(List<Object> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            String text = tableCell(cells.get(c));
            line.append(text);
            if (c < cells.size() - 1) {
                line.append(" ".repeat(widths[c] - text.length() + 2));
            }
        }
        return line.toString();
    }

    private static String tableCell(Object value) {
        return value == null ? "-" : value.toString();
    }

    private void printCsv(PrintStream out) {
        out.println(String.join(",", columns.stream().map(Rows::csvCell).toList()));
        for (List<Object> row : rows) {
            out.println(String.join(",", row.stream().map(Rows::csvCell).toList()));
        }
    }

    private static String csvCell(Object value) {
        if (value == null) {
            return "";
        }
        String text = value.toString();
        if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }
}
