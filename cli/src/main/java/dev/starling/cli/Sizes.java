package dev.starling.cli;

import java.util.Locale;

/**
 * Byte sizes as users write them: {@code 1048576}, {@code 512k}, {@code 64m}, {@code 10g}, {@code 2t}, with an
 * optional {@code b}, {@code ib} or {@code iB} (all binary multiples).
 */
final class Sizes
{
    private Sizes()
    {
    }

    static long parse(final String text)
    {
        final String s = text.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        if (s.isEmpty())
        {
            throw new IllegalArgumentException("empty size");
        }
        final char unit = s.charAt(s.length() - 1);
        final int shift;
        switch (unit)
        {
            case 'k': shift = 10; break;
            case 'm': shift = 20; break;
            case 'g': shift = 30; break;
            case 't': shift = 40; break;
            default: shift = 0;
        }
        final String digits = shift == 0 ? s : s.substring(0, s.length() - 1);
        final long value;
        try
        {
            value = Long.parseLong(digits.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("not a size (want e.g. 512m, 10g): " + text);
        }
        if (value < 0 || (shift > 0 && value > (Long.MAX_VALUE >> shift)))
        {
            throw new IllegalArgumentException("size out of range: " + text);
        }
        return value << shift;
    }

    static String human(final double bytes)
    {
        final String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1)
        {
            v /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f %s", v, units[u]) :
            String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
