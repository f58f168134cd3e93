/**
 * Configuration of the dataplane: every setting's name, default and meaning in one place
 * ({@link dev.starling.dataplane.config.DataplaneConfiguration}), and the validated {@code Context} that carries
 * the values into the store and the download engine.
 */
package dev.starling.dataplane.config;
