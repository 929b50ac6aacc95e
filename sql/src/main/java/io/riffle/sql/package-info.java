/** sql: arrives with its own issue. */
package io.riffle.sql;
