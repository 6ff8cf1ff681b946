package org.complianceproxy.proxy.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.complianceproxy.proxy.audit.AuditQuery;

/** Writes records or rows as an aligned table, JSON lines or CSV (RFC 4180). */
final class AuditOutput {

  /** The output formats of the {@code audit} commands. */
  enum Format {
    table,
    jsonl,
    csv
  }

  /** The columns a record is shown with in a table or CSV. */
  static final List<String> RECORD_COLUMNS =
      List.of(
          "ts",
          "kind",
          "tenant",
          "request_id",
          "entity_type",
          "action",
          "token",
          "model",
          "region",
          "status",
          "outcome",
          "instance",
          "seq");

  private AuditOutput() {}

  static void records(PrintWriter out, Format format, List<AuditQuery.Item> items) {
    if (format == Format.jsonl) {
      items.forEach(i -> out.println(i.raw()));
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (AuditQuery.Item item : items) {
      rows.add(recordRow(item));
    }
    rows(out, format, RECORD_COLUMNS, rows);
  }

  static List<String> recordRow(AuditQuery.Item item) {
    List<String> row = new ArrayList<>();
    for (String column : RECORD_COLUMNS) {
      String value = item.text(column);
      if (value == null && column.equals("action")) {
        value = item.text("operation") != null ? item.text("operation") : item.text("event");
      }
      if (value == null && column.equals("outcome")) {
        value = item.text("code");
      }
      row.add(value == null ? "" : value);
    }
    return row;
  }

  static void rows(PrintWriter out, Format format, List<String> header, List<List<String>> rows) {
    switch (format) {
      case csv -> {
        out.println(csvLine(header));
        rows.forEach(r -> out.println(csvLine(r)));
      }
      case jsonl -> {
        for (List<String> row : rows) {
          StringBuilder line = new StringBuilder("{");
          for (int i = 0; i < header.size(); i++) {
            if (i > 0) {
              line.append(',');
            }
            line.append(jsonString(header.get(i))).append(':').append(jsonString(row.get(i)));
          }
          out.println(line.append('}'));
        }
      }
      case table -> {
        int[] widths = new int[header.size()];
        for (int i = 0; i < header.size(); i++) {
          widths[i] = header.get(i).length();
          for (List<String> row : rows) {
            widths[i] = Math.max(widths[i], row.get(i).length());
          }
        }
        out.println(tableLine(header, widths));
        rows.forEach(r -> out.println(tableLine(r, widths)));
      }
    }
  }

  private static String tableLine(List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        line.append("  ");
      }
      line.append(cells.get(i)).append(" ".repeat(widths[i] - cells.get(i).length()));
    }
    return line.toString().stripTrailing();
  }

  static String csvLine(List<String> cells) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        line.append(',');
      }
      String c = cells.get(i);
      if (c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r")) {
        line.append('"').append(c.replace("\"", "\"\"")).append('"');
      } else {
        line.append(c);
      }
    }
    return line.toString();
  }

  private static String jsonString(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
