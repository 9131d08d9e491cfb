#pragma once
// Pipelines over channels (API.md section 5): hypar::pipeline, hypar::Pipeline, StageOptions.

#include <hypar/flow/pipeline.hpp>
