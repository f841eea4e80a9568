#pragma once

#include <ROOT/RVec.hxx>
