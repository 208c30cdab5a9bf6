package dev.parley.app;

import dev.parley.protocol.HostPort;
import picocli.CommandLine;

/** Parses {@code HOST:PORT} options. */
public final class HostPortConverter implements CommandLine.ITypeConverter<HostPort> {
    @Override
    public HostPort convert(String value) {
        try {
            return HostPort.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
