#include "higgshunt/kinematics.hpp"
