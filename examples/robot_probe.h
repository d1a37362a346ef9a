/*
 * robot_probe.h - what the demo-robot examples share: where the robot's
 * binary is (RK_DEMO_ROBOT, set by examples/examples.mk to the built
 * build/demo-robot) and the period of its control loop.
 *
 * SEC("uprobe/" RK_DEMO_ROBOT ":control_step") is an ordinary libbpf
 * uprobe section; on a robot, write your controller's path there
 * (SEC("uprobe//opt/robot/bin/controller:control_step")).
 */
#ifndef RK_EXAMPLES_ROBOT_PROBE_H
#define RK_EXAMPLES_ROBOT_PROBE_H

#ifndef RK_DEMO_ROBOT
#define RK_DEMO_ROBOT "/usr/local/bin/demo-robot"
#endif

#define CONTROL_PERIOD_NS 1000000ull  /* the robot's 1 kHz loop */

#endif
