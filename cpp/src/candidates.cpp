#include "higgshunt/candidates.hpp"
