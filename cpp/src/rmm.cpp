#include "higgshunt/rmm.hpp"
