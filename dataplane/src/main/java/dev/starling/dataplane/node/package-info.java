/**
 * The seam between the daemon and the front ends that run inside it (the registry mirror, the model-hub proxy):
 * {@link dev.starling.dataplane.node.NodeServices} is what a front end may use of its node. The daemon's wiring
 * implements it; front ends depend on this package only, never on the command line.
 */
package dev.starling.dataplane.node;
