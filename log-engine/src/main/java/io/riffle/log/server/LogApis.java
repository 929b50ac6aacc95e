package io.riffle.log.server;

import io.riffle.log.network.Request;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.requests.AbstractRequest;

/** DeleteRecords, DescribeLogDirs and OffsetForLeaderEpoch. */
final class LogApis {
    private final ApiContext context;

    LogApis(ApiContext context) {
        this.context = context;
    }

    DeleteRecordsResponseData deleteRecords(Request request) {
        return (DeleteRecordsResponseData) request.<AbstractRequest>body().getErrorResponse(0,
                new org.apache.kafka.common.errors.UnsupportedVersionException("not yet")).data();
    }

    DescribeLogDirsResponseData describeLogDirs(Request request) {
        return (DescribeLogDirsResponseData) request.<AbstractRequest>body().getErrorResponse(0,
                new org.apache.kafka.common.errors.UnsupportedVersionException("not yet")).data();
    }

    OffsetForLeaderEpochResponseData offsetForLeaderEpoch(Request request) {
        return (OffsetForLeaderEpochResponseData) request.<AbstractRequest>body().getErrorResponse(0,
                new org.apache.kafka.common.errors.UnsupportedVersionException("not yet")).data();
    }
}
