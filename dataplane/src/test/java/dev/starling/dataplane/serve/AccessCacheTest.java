package dev.starling.dataplane.serve;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessCacheTest
{
    @Test
    void shouldHoldConfirmationForTtlOnly()
    {
        final AccessCache cache = new AccessCache(1000);
        final String key = AccessCache.key("https://r repo sha256:ab", "Bearer t");
        assertFalse(cache.isConfirmed(key, 0));
        cache.confirm(key, 100);
        assertTrue(cache.isConfirmed(key, 1099));
        assertFalse(cache.isConfirmed(key, 1100));
    }

    @Test
    void shouldKeepCredentialsApartAndNeverStoreThemInClear()
    {
        final String alice = AccessCache.key("hub repo main f", "Bearer alice-secret");
        final String bob = AccessCache.key("hub repo main f", "Bearer bob-secret");
        final String anonymous = AccessCache.key("hub repo main f", null);
        assertNotEquals(alice, bob);
        assertNotEquals(alice, anonymous);
        assertFalse(alice.contains("alice-secret"));
        assertEquals(AccessCache.key("hub repo main f", "Bearer alice-secret"), alice);
    }

    @Test
    void shouldCacheNothingWhenTtlIsZero()
    {
        final AccessCache cache = new AccessCache(0);
        final String key = AccessCache.key("r", "x");
        cache.confirm(key, 0);
        assertFalse(cache.isConfirmed(key, 0));
    }
}
