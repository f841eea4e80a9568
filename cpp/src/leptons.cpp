#include "higgshunt/leptons.hpp"
