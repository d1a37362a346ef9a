/*
 * btf_types.bpf.c - types for the BTF JSON tests.  test_btf.c compiles it
 * natively too, fills a struct motor_state in C and prints it with the
 * BTF clang made from this file.
 */
#ifndef RK_BTF_TYPES_BPF_C
#define RK_BTF_TYPES_BPF_C

enum motor_mode {
	MOTOR_FAULT = -1,
	MOTOR_OFF = 0,
	MOTOR_SPEED = 1,
	MOTOR_TORQUE = 2,
};

struct motor_state {
	char name[12];
	int rpm;
	unsigned int enabled : 1, fault_code : 4;
	int calibration : 7;
	enum motor_mode mode;
	_Bool homed;
	float current_a;
	double temp_c;
	short history[3];
	union {
		unsigned int raw;
		struct {
			unsigned short lo, hi;
		};
	};
	const void *owner;
	unsigned char mac[6];
};

struct motor_state motor_state_example;

#endif
