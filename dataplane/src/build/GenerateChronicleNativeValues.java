import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Build step (run by Maven in generate-sources, as a single-file source program): generates the Java source of
 * the Chronicle Values classes that Chronicle Map would otherwise generate and compile with javac at run time
 * (about 0.8 s at every start of a process that opens the index). Chronicle looks for {@code X$$Native} on the
 * class path before compiling one, so shipping it compiled removes that work. Generated from the Chronicle jars
 * the build uses, so it always matches them; never committed.
 *
 * Usage: GenerateChronicleNativeValues OUTPUT_SOURCE_DIR
 */
public final class GenerateChronicleNativeValues
{
    private static final String[] VALUE_INTERFACES = {"net.openhft.chronicle.hash.VanillaGlobalMutableState"};

    public static void main(final String[] args) throws Exception
    {
        final Path out = Path.of(args[0]);
        final Class<?> valueModel = Class.forName("net.openhft.chronicle.values.ValueModel");
        final Class<?> generators = Class.forName("net.openhft.chronicle.values.Generators");
        final Method acquire = valueModel.getMethod("acquire", Class.class);
        final Method generate = generators.getDeclaredMethod("generateNativeClass", valueModel, String.class);
        generate.setAccessible(true);
        for (final String name : VALUE_INTERFACES)
        {
            final Class<?> iface = Class.forName(name);
            final String simpleName = iface.getSimpleName() + "$$Native";
            final String source = (String)generate.invoke(null, acquire.invoke(null, iface), simpleName);
            final Path file = out.resolve(iface.getPackageName().replace('.', '/')).resolve(simpleName + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, source);
        }
    }
}
