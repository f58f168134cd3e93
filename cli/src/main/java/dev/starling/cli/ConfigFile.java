package dev.starling.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML config file: a flat map whose keys are the flags' names without the dashes
 * ({@code data-dir: /var/lib/starling}). Unknown keys are an error, so a typo never goes unnoticed.
 */
final class ConfigFile
{
    private final Path path;
    private final Map<String, Object> values;

    private ConfigFile(final Path path, final Map<String, Object> values)
    {
        this.path = path;
        this.values = values;
    }

    static ConfigFile empty()
    {
        return new ConfigFile(null, new LinkedHashMap<>());
    }

    @SuppressWarnings("unchecked")
    static ConfigFile load(final Path path, final Collection<String> knownKeys)
    {
        final Map<String, Object> values;
        try
        {
            if (!Files.isRegularFile(path))
            {
                throw new StarlingException(ErrorCode.BAD_CONFIG, "config file " + path + " does not exist");
            }
            final Object parsed = new ObjectMapper(new YAMLFactory()).readValue(path.toFile(), Object.class);
            if (parsed == null)
            {
                values = new LinkedHashMap<>();
            }
            else if (parsed instanceof Map)
            {
                values = new LinkedHashMap<>((Map<String, Object>)parsed);
            }
            else
            {
                throw new StarlingException(ErrorCode.BAD_CONFIG, "config file " + path +
                    " must be a YAML mapping of setting: value");
            }
        }
        catch (final IOException ex)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "cannot read config file " + path + ": " +
                ex.getMessage(), ex);
        }
        for (final String key : values.keySet())
        {
            if (!knownKeys.contains(key))
            {
                throw new StarlingException(ErrorCode.BAD_CONFIG, "unknown setting '" + key + "' in " + path +
                    " (known: " + String.join(", ", knownKeys) + ")");
            }
        }
        return new ConfigFile(path, values);
    }

    String string(final String key)
    {
        final Object v = values.get(key);
        if (v instanceof Map || v instanceof List)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, "setting '" + key + "' in " + path +
                " must be a single value");
        }
        return v == null ? null : String.valueOf(v);
    }

    List<String> strings(final String key)
    {
        final Object v = values.get(key);
        if (v == null)
        {
            return List.of();
        }
        if (v instanceof List)
        {
            return ((List<?>)v).stream().map(String::valueOf).toList();
        }
        return List.of(String.valueOf(v));
    }
}
