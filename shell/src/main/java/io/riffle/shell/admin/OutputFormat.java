package io.riffle.shell.admin;

/** How a listing command prints its rows: aligned columns for people, JSON or CSV for programs. */
public enum OutputFormat {
    table, json, csv
}
