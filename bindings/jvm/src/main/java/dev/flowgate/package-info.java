/**
 * flowgate for the JVM: open a compiled policy bundle ({@link dev.flowgate.Bundle}, or a {@link
 * dev.flowgate.BundleHolder} to swap it at run time), ask it a {@link dev.flowgate.Query}, act on
 * the {@link dev.flowgate.Decision}. A JNI binding of the C API, flowgate.h; docs/android.md.
 *
 * <p>Nothing here is null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.flowgate;

import org.jspecify.annotations.NullMarked;
