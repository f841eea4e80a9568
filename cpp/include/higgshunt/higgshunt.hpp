// Umbrella header: everything ROOT's interpreter needs to use the helpers in RDataFrame expressions.
#pragma once

#include "higgshunt/kinematics.hpp"
#include "higgshunt/leptons.hpp"
#include "higgshunt/candidates.hpp"
#include "higgshunt/angles.hpp"
#include "higgshunt/rmm.hpp"
#include "higgshunt/inference.hpp"
