package dev.parley.app;

import picocli.CommandLine;

/** Parses {@code --jitter-buffer-ms}: {@code auto} (adaptive, 0) or a fixed delay of 20..1000 ms. */
final class JitterBufferConverter implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        if (value.equalsIgnoreCase("auto")) {
            return 0;
        }
        try {
            int ms = Integer.parseInt(value.strip());
            if (ms >= 20 && ms <= 1000) {
                return ms;
            }
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        throw new CommandLine.TypeConversionException("'" + value + "' (expected: auto or 20..1000)");
    }
}
