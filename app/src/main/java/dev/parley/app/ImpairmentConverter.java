package dev.parley.app;

import dev.parley.codec.sim.ImpairmentSpec;
import picocli.CommandLine;

/** Parses {@code --impair loss=10%,burst=2,jitter=40ms} (see {@link ImpairmentSpec#parse}). */
final class ImpairmentConverter implements CommandLine.ITypeConverter<ImpairmentSpec> {
    @Override
    public ImpairmentSpec convert(String value) {
        try {
            return ImpairmentSpec.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
