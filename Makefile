# The two commands of the course (see README.md):
#   make lab    set up .venv if it is missing or out of date, then open JupyterLab on the course
#   make test   the same set-up, then every test: unit tests, notebooks (nbval), the grading round trip
#   make designer  the LR Schedule Designer as a web app (Voilà)
# Instructors (README, "Grading the assignment with nbgrader"), from the repository root:
#   make assignment                        release/ regenerated from source/, both languages
#   make grade ASSIGNMENT=lr-schedules-en  autograde (JOBS processes at once), the instructor scan,
#                                          feedback, grades.csv
#   make formgrader                        JupyterLab in the course folder, for the Formgrader
# A second run reinstalls nothing when nothing changed: the install is recorded in a stamp file
# that depends on pyproject.toml, and is redone only when that changes or the venv is broken.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.lrcourse-installed
PORT   ?= 8888
# Jupyter refuses to run as root (containers, CI) unless told to.
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root --no-browser,)
# Notebooks run in the quick budget in tests (seconds per notebook); see course-design.md.
export LRCOURSE_BUDGET ?= quick
export MPLBACKEND ?= Agg
# Idle OpenMP threads sleep instead of spinning on the core another process needs: the same results,
# 2-3x faster on a busy 2-core machine (benchmarks/train.py measures it).
export OMP_WAIT_POLICY ?= PASSIVE

.PHONY: setup lab test unit notebooks designer clean-venv

# A venv whose python no longer runs (moved, or its base Python upgraded) counts as out of date.
ifeq ($(shell $(PY) -c 'print(1)' 2>/dev/null),)
$(shell rm -f $(STAMP))
endif

setup: $(STAMP)

$(STAMP): pyproject.toml
	@if ! $(PY) -c 'import sys' >/dev/null 2>&1; then \
		echo "creating $(VENV)"; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[course,test]"
	@touch $(STAMP)

lab: setup
	$(VENV)/bin/jupyter lab --ServerApp.root_dir="$(CURDIR)" --port=$(PORT) \
		--LabApp.default_url="/lab/tree/notebooks" $(LAB_FLAGS)

# Unit tests first (fast, most likely to point at the cause), then every notebook in both languages.
test: setup unit notebooks

unit: setup
	$(PY) -m pytest tests -q --timeout=900

# nbval executes every lesson top to bottom; exit code 5 means "no notebooks collected".
notebooks: setup
	LRCOURSE_BUDGET=quick $(PY) -m pytest --nbval-lax notebooks/en notebooks/bn -q -p no:cacheprovider \
		--nbval-cell-timeout=600 --timeout=1800 || [ $$? -eq 5 ]

# The LR Schedule Designer as a small web app (Voilà): http://localhost:8866
DESIGNER_LANG ?= en
DESIGNER_PORT ?= 8866
designer: setup
	$(VENV)/bin/voila notebooks/$(DESIGNER_LANG)/09_lr_schedule_designer.ipynb --port=$(DESIGNER_PORT) --no-browser

clean-venv:
	rm -rf $(VENV)

# Grading. nbgrader is called by its path: no activation needed (the course's nbgrader_config.py puts
# the venv on PATH for what nbgrader starts). GRADING is the nbgrader course folder.
GRADING    ?= notebooks/grading
ASSIGNMENT ?= lr-schedules-en
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
NBGRADER   := $(abspath $(VENV))/bin/nbgrader

.PHONY: assignment grade formgrader

assignment: setup
	cd $(GRADING) && $(NBGRADER) generate_assignment lr-schedules-en --force \
		&& $(NBGRADER) generate_assignment lr-schedules-bn --force

# Submissions must be in $(GRADING)/submitted/<student>/$(ASSIGNMENT)/ (nbgrader collect or zip_collect).
# The instructor scan (lrcourse.checks.scan) lists answer cells that do what no answer needs, to be
# read by hand; its exit status 1 means "something flagged", not a failure of the grading.
grade: setup
	cd $(GRADING) && $(abspath $(PY)) parallel_autograde.py $(ASSIGNMENT) --jobs $(JOBS)
	@cd $(GRADING) && { $(abspath $(PY)) -m lrcourse.checks.scan submitted/*/$(ASSIGNMENT) > flagged-$(ASSIGNMENT).tsv; \
		case $$? in 0) echo "scan: nothing flagged" ;; \
		1) cat flagged-$(ASSIGNMENT).tsv; echo "scan: read the cells above by hand ($(GRADING)/flagged-$(ASSIGNMENT).tsv)" ;; \
		*) exit 1 ;; esac; }
	cd $(GRADING) && $(NBGRADER) generate_feedback $(ASSIGNMENT)
	cd $(GRADING) && $(NBGRADER) export
	@echo "feedback: $(GRADING)/feedback/<student>/$(ASSIGNMENT)/  grades: $(GRADING)/grades.csv"

formgrader: setup
	cd $(GRADING) && $(abspath $(VENV))/bin/jupyter lab --port=$(PORT) $(LAB_FLAGS)
