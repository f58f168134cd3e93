package dev.starling.scheduler;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SchedulerConfigurationTest
{
    @Test
    void shouldParseDurationsWithUnits()
    {
        assertEquals(500, SchedulerConfiguration.parseDurationMs("t", "500ms"));
        assertEquals(10_000, SchedulerConfiguration.parseDurationMs("t", "10s"));
        assertEquals(1_500, SchedulerConfiguration.parseDurationMs("t", "1.5s"));
        assertEquals(60_000, SchedulerConfiguration.parseDurationMs("t", "1m"));
        assertEquals(3_600_000, SchedulerConfiguration.parseDurationMs("t", "1h"));
        assertEquals(250, SchedulerConfiguration.parseDurationMs("t", "250"));
        assertEquals(10_000, SchedulerConfiguration.parseDurationMs("t", "PT10S"));
    }

    @Test
    void shouldRejectANonDurationWithBadConfig()
    {
        final StarlingException ex = assertThrows(StarlingException.class,
            () -> SchedulerConfiguration.parseDurationMs("peer-timeout", "soon"));

        assertEquals(ErrorCode.BAD_CONFIG, ex.code());
    }

    @Test
    void shouldDocumentEverySettingOnce()
    {
        assertEquals(7, SchedulerConfiguration.SETTINGS.stream().map(dev.starling.dataplane.config.DataplaneConfiguration.Setting::yamlKey)
            .distinct().count());
    }
}
