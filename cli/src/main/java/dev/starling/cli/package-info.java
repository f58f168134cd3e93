/**
 * The {@code starling} command line and the process wiring: parses flags and the YAML config into the modules'
 * contexts, starts what a command needs, and turns every {@link dev.starling.dataplane.error.StarlingException}
 * into a message and an exit code.
 */
package dev.starling.cli;
