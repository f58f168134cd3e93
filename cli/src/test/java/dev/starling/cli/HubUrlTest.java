package dev.starling.cli;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;
import dev.starling.modelproxy.RepoType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HubUrlTest
{
    @Test
    void shouldParseRepoWithDefaultRevisionWhenNoneIsGiven()
    {
        assertEquals(new HubUrl(false, RepoType.MODEL, "org/name", "main", null), HubUrl.parse("hf://org/name"));
        assertEquals(new HubUrl(true, RepoType.MODEL, "org/name", "master", null),
            HubUrl.parse("modelscope://org/name"));
    }

    @Test
    void shouldParseTypeRevisionAndPathWhenAllAreGiven()
    {
        assertEquals(new HubUrl(false, RepoType.DATASET, "org/data", "v1.0", "train/part-0.parquet"),
            HubUrl.parse("hf://datasets/org/data@v1.0/train/part-0.parquet"));
        assertEquals(new HubUrl(false, RepoType.MODEL, "org/name", "main", "onnx"),
            HubUrl.parse("hf://models/org/name/onnx/"));
        assertEquals(new HubUrl(false, RepoType.MODEL, "org/name", "refs/pr/1", null),
            HubUrl.parse("hf://org/name@refs%2Fpr%2F1"));
    }

    @Test
    void shouldRejectBadRepoRevisionOrPathWithBadUrl()
    {
        for (final String bad : new String[] {"hf://name", "hf://org/../x", "hf://org/name@..", "hf://org/name/a/../b",
            "hf://org/na me", "modelscope://org/name@/x"})
        {
            assertEquals(ErrorCode.BAD_URL, assertThrows(StarlingException.class, () -> HubUrl.parse(bad)).code(), bad);
        }
    }

    @Test
    void shouldRecogniseHubSchemesOnly()
    {
        assertTrue(HubUrl.isHub("hf://a/b"));
        assertTrue(HubUrl.isHub("modelscope://a/b"));
        assertFalse(HubUrl.isHub("https://huggingface.co/a/b"));
    }

    @Test
    void shouldDescribeWithTheResolvedCommit()
    {
        assertEquals("hf://datasets/org/data@abc/x", HubUrl.parse("hf://datasets/org/data/x").describe("abc"));
    }
}
